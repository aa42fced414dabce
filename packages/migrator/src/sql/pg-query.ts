/**
 * PostgreSQL's parser (libpg-query: PostgreSQL's own parser and lexer in WebAssembly), loaded on
 * first use. Importing libpg-query compiles its 1.2 MB module, so it is imported only by
 * `loadParser`: a command that never parses (a review answered from its cache) never compiles it.
 * The module is compiled by V8's baseline compiler alone (`compiledAtBaseline`): tiered up, the
 * parser's huge grammar function was compiled again in the background for longer than the parsing
 * took (after one statement the exit waited 300–500 ms more).
 */
import type * as LibPgQueryModule from "libpg-query";
import { compiledAtBaseline } from "../runtime/baseline-wasm.ts";

type LibPgQuery = typeof LibPgQueryModule;

let parser: LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/** Loads the parser's WebAssembly module once; call before parsing or scanning SQL. */
export function loadParser(): Promise<void> {
  loading ??= compiledAtBaseline(async () => {
    const module = await import("libpg-query");
    await module.loadModule();
    parser = module;
  });
  return loading;
}

/** The loaded parser; throws when `loadParser` has not finished. */
export function pgQuery(): LibPgQuery {
  if (!parser) throw new Error("PostgreSQL's parser is not loaded: await loadParser() first");
  return parser;
}
