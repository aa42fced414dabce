/**
 * PostgreSQL's parser (libpg-query: PostgreSQL's own parser and lexer in WebAssembly), loaded on
 * first use. Importing libpg-query compiles its 1.2 MB module, so it is imported only by
 * `loadParser`: a command that never parses (a review answered from its cache) never compiles it.
 *
 * The module is compiled by V8's baseline compiler alone (Liftoff). Left to tier up, V8 compiles
 * the functions a review calls most (the parser's huge grammar function first) again with its
 * optimizing compiler in the background: on two busy cores that took longer than the parsing
 * itself, and the process could not exit until it was done (measured on 8,000 statements: 250 ms
 * against 700–1,000 ms; after one statement the exit waited 300–500 ms more). The flag applies to
 * modules compiled while it is set, so it is set for this one alone.
 */
import { setFlagsFromString } from "node:v8";
import type * as LibPgQueryModule from "libpg-query";

type LibPgQuery = typeof LibPgQueryModule;

let parser: LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/** Whether the process was started with `--liftoff-only` itself (then it is left as it is). */
function liftoffOnlyGiven(): boolean {
  const options = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(" ")];
  return options.includes("--liftoff-only");
}

/** Loads the parser's WebAssembly module once; call before parsing or scanning SQL. */
export function loadParser(): Promise<void> {
  loading ??= (async () => {
    const given = liftoffOnlyGiven();
    if (!given) setFlagsFromString("--liftoff-only");
    try {
      const module = await import("libpg-query");
      await module.loadModule();
      parser = module;
    } finally {
      if (!given) setFlagsFromString("--no-liftoff-only");
    }
  })();
  return loading;
}

/** The loaded parser; throws when `loadParser` has not finished. */
export function pgQuery(): LibPgQuery {
  if (!parser) throw new Error("PostgreSQL's parser is not loaded: await loadParser() first");
  return parser;
}
