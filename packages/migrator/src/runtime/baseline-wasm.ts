/**
 * WebAssembly compiled by V8's baseline compiler alone (Liftoff), for the short-lived processes
 * commands are. Left to tier up, V8 compiles the hottest functions of a module again with its
 * optimizing compiler in the background; on two busy cores that took longer than the work itself,
 * and the process could not exit until it was done (libpg-query: 250 ms against 700–1,000 ms for
 * 8,000 statements; PGlite: `db:migrate` with nothing pending 0.8 s against 1.3 s, and the PGlite
 * runner test files 39 s of CPU against 53 s, as every test file opens its own PGlite). A long
 * replay on one PGlite runs a little slower (the real-histories file alone: 32 s against 28 s).
 * The flag applies to modules compiled while it is set, so it is set around a load.
 */
import { setFlagsFromString } from "node:v8";

/** Loads in progress that asked for the flag: it is cleared when the last one ends. */
let loading = 0;

/** Whether the process was started with `--liftoff-only` itself (then it is left as it is). */
function liftoffOnlyGiven(): boolean {
  const options = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(" ")];
  return options.includes("--liftoff-only");
}

/**
 * Runs `load` (which compiles a WebAssembly module: importing libpg-query, creating a PGlite) with
 * V8's baseline compiler alone, and returns what it returns.
 */
export async function compiledAtBaseline<T>(load: () => Promise<T>): Promise<T> {
  const given = liftoffOnlyGiven();
  if (!given && loading++ === 0) setFlagsFromString("--liftoff-only");
  try {
    return await load();
  } finally {
    if (!given && --loading === 0) setFlagsFromString("--no-liftoff-only");
  }
}
