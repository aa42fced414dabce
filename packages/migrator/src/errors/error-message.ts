/**
 * The message of anything a library or an engine throws. Not everything thrown is an `Error`:
 * PGlite's Emscripten runtime throws plain objects (an `ExitStatus` with a `message`), a callback
 * may throw a string. `String()` of a plain object says only `[object Object]`.
 */
import { inspect } from "node:util";

/**
 * What went wrong, in words: an error's or an object's `message`, a string as it is, anything else
 * as node prints it.
 *
 * @example errorMessage({ name: "ExitStatus", status: 1 }) // "{ name: 'ExitStatus', status: 1 }"
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === "string") return message;
  return inspect(error, { depth: 3, breakLength: Infinity });
}
