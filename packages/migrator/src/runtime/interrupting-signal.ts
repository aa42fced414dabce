/**
 * The signal that interrupted a run, from the AbortSignal a command's trap aborted
 * (`CommandContext.trapSignals` aborts it with the signal's name): SIGINT when it was aborted
 * otherwise (by a test, or by code that gives no reason).
 *
 * @example interruptingSignal(AbortSignal.abort("SIGTERM")) // "SIGTERM"
 */
export function interruptingSignal(signal: AbortSignal): NodeJS.Signals {
  return signal.reason === "SIGTERM" || signal.reason === "SIGINT" ? signal.reason : "SIGINT";
}
