/**
 * How the toolkit starts PGlite for a short-lived process (a command, a test file). PostgreSQL
 * sets up its whole buffer pool when it starts, and a PGlite data directory asks for initdb's
 * 128 MB: measured on the 2-core machine, opening a migrated data directory took 200–240 ms with
 * it and 140–155 ms with 32 MB (16 MB saved little more). The pool is set on the command line
 * (`-c`), so nothing is written into the data directory and a server is not affected.
 */
import type { PGlite } from "@electric-sql/pglite";

/** The buffer pool of a PGlite the toolkit starts: room for a development database, without initdb's 128 MB start-up. */
const SHARED_BUFFERS = "32MB";

/** PGlite's own start parameters with the smaller buffer pool: pass as `startParams` to `PGlite.create`. */
export function pgliteStartParams(pglite: typeof PGlite): string[] {
  return [...pglite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`];
}
