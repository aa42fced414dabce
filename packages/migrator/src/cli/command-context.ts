/**
 * What a command runs in: the environment it reads, the directory the user ran it from, where it
 * writes, and the exit code its action sets. `processContext()` is the real process; tests make
 * their own (`@repo/migrator/testing`) to run a command in process and read what it printed.
 */
import { redactSecrets } from "../drivers/driver.ts";

export interface CommandContext {
  /** The environment (connection variables, `MIGRATE_*` settings). */
  readonly env: NodeJS.ProcessEnv;
  /** Where the user ran the command: relative paths on the command line resolve against it. */
  readonly cwd: string;
  /** Writes text to standard output. */
  out(text: string): void;
  /** Writes text to standard error. */
  err(text: string): void;
  /** The command's exit code, set by its action (see `cli/exit-codes.ts`). */
  exitCode: number;
  /**
   * Routes SIGINT and SIGTERM to `handler` until the returned function is called, so a command can
   * stop cleanly and say what stays (a second signal ends the process at once). `words` say where
   * the command stops and what quitting at once leaves (db:migrate's by default). Absent in
   * process-less contexts (tests), where nothing sends signals.
   */
  trapSignals?(handler: (signal: NodeJS.Signals) => void, words?: SignalWords): () => void;
}

/** What a command says on a first signal (where it stops) and on a second (what quitting leaves). */
export interface SignalWords {
  stopping: string;
  quitting: string;
}

/**
 * What a second signal leaves, said as the process quits without waiting for the database (the
 * command cannot say which statement was running: it did not wait to hear).
 */
const QUIT_AT_ONCE =
  "quitting at once, without waiting for the database. Migrations reported as applied stay. The one " +
  "that was running is not recorded: its open transaction is rolled back (by the server once it sees " +
  "the connection gone, a statement still running holding its locks until then; by the embedded " +
  "database when it next opens). Statements a no-transaction migration finished stay, and an " +
  "interrupted CREATE INDEX CONCURRENTLY can leave an INVALID index, which the next db:migrate drops " +
  "before building it again when the migration names it. Run db:status to see where the database stands.";

/**
 * The running process: `process.env`, and the directory the user typed the command in. Under
 * pnpm that is `INIT_CWD` (pnpm runs a package's script from the package folder), else the
 * current directory.
 */
export function processContext(): CommandContext {
  return {
    env: process.env,
    cwd: process.env["INIT_CWD"] || process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    exitCode: 0,
    trapSignals(handler, words = { stopping: "stopping before the next statement", quitting: QUIT_AT_ONCE }) {
      const signals = ["SIGINT", "SIGTERM"] as const;
      let first: NodeJS.Signals | undefined;
      // A second signal, of either kind (Ctrl-C, then a supervisor's SIGTERM), quits at once.
      const quit = (signal: NodeJS.Signals) => {
        process.stderr.write(`${signal} ${signal === first ? "again" : `after ${first}`}: ${words.quitting}\n`);
        process.exit(128 + (signal === "SIGTERM" ? 15 : 2));
      };
      const onSignal = (signal: NodeJS.Signals) => {
        first = signal;
        for (const s of signals) {
          process.removeListener(s, onSignal);
          process.once(s, quit);
        }
        process.stderr.write(`${signal}: ${words.stopping} (send it again to quit at once)\n`);
        handler(signal);
      };
      for (const s of signals) process.once(s, onSignal);
      return () => {
        for (const s of signals) {
          process.removeListener(s, onSignal);
          process.removeListener(s, quit);
        }
      };
    },
  };
}

/** The same context, with every secret removed from what it writes. */
export function redactingContext(context: CommandContext, secrets: readonly string[]): CommandContext {
  return {
    env: context.env,
    cwd: context.cwd,
    out: (text) => context.out(redactSecrets(text, secrets)),
    err: (text) => context.err(redactSecrets(text, secrets)),
    get exitCode() {
      return context.exitCode;
    },
    set exitCode(code: number) {
      context.exitCode = code;
    },
    ...(context.trapSignals ? { trapSignals: context.trapSignals } : {}),
  };
}
