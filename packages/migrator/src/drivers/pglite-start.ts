/**
 * How the toolkit starts PGlite for a short-lived process (a command, a test file): compiled by
 * V8's baseline compiler alone (baseline-wasm.ts), with a smaller buffer pool. PostgreSQL sets up
 * its whole buffer pool when it starts, and a PGlite data directory asks for initdb's 128 MB:
 * measured on the 2-core machine, opening a migrated data directory took 200–240 ms with it and
 * 140–155 ms with 32 MB (16 MB saved little more). The pool is set on the command line (`-c`), so
 * nothing is written into the data directory and a server is not affected.
 */
import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import { compiledAtBaseline } from "../runtime/baseline-wasm.ts";

/** The buffer pool of a PGlite the toolkit starts: room for a development database, without initdb's 128 MB start-up. */
const SHARED_BUFFERS = "32MB";

/** Starts PGlite with `options` (a folder, a dump to load, extensions) as the toolkit starts it. */
export async function startPglite(options: PGliteOptions): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const startParams = [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`];
  return compiledAtBaseline(() => PGlite.create({ ...options, startParams }));
}
