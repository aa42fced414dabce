/**
 * What a PL/pgSQL body runs, read from its parse tree (libpg-query's `parsePlPgSQLSync`) in the
 * order of its text: each plain SQL statement and `PERFORM` with the guards around it and the line
 * it starts on, every other expression (a condition, an assignment, a `CALL`, a loop's query) for
 * the routines it calls, and the kinds of statement that are not plain SQL. A `DO` block's body
 * and a called routine's body are read alike (parse-migration.ts).
 */
import { type AstObject, arrayField, isObject, objectField, stringField } from "./ast.ts";
import type { BlockGuards } from "./sql-unit.ts";

/** One piece of SQL a PL/pgSQL body runs. */
export interface PlpgsqlStatement {
  /**
   * `sql`: a plain statement (`query` as written); `perform`: a `PERFORM`, as the `SELECT` PL/pgSQL
   * runs; `expression`: any other expression, read as `parseMode` says (plpgsql-body.ts).
   */
  kind: "sql" | "perform" | "expression";
  query: string;
  parseMode: number;
  guards: BlockGuards;
  /** The line of the body it is on (1 is the body's first line, as PL/pgSQL counts), when the tree gives one. */
  lineno?: number;
}

/** What {@link walkPlpgsql} finds. */
export interface PlpgsqlWalk {
  statements: PlpgsqlStatement[];
  /** The kinds of PL/pgSQL statement found that are not plain SQL (`perform`, `dynexecute`, `fors`…). */
  opaque: string[];
}

/** What PL/pgSQL puts before a PERFORM's expression to make its query. */
export const PERFORM_QUERY_PREFIX = "SELECT ";

/** PL/pgSQL statements that hold no SQL of their own or only plain SQL the walk lists. */
const TRANSPARENT_PLPGSQL = new Set([
  "PLpgSQL_stmt_execsql",
  "PLpgSQL_stmt_block",
  "PLpgSQL_stmt_if",
  "PLpgSQL_stmt_return",
  "PLpgSQL_stmt_raise",
]);

/**
 * Walks a PL/pgSQL parse tree in the order of its text: each plain SQL statement with its guards
 * (exception handlers' included, so no rule misses them), every other expression, and every other
 * kind of statement. `guards` are those around the body (`inDoBlock` set).
 */
export function walkPlpgsql(tree: unknown, guards: BlockGuards): PlpgsqlWalk {
  const walk: PlpgsqlWalk = { statements: [], opaque: [] };
  visit(tree, guards, undefined, walk);
  return walk;
}

function expressionOf(node: AstObject | undefined, key: string): AstObject | undefined {
  return objectField(objectField(node, key), "PLpgSQL_expr");
}

function visit(value: unknown, guards: BlockGuards, lineno: number | undefined, walk: PlpgsqlWalk): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, guards, lineno, walk);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!isObject(child)) {
      visit(child, guards, lineno, walk);
      continue;
    }
    const line = typeof child["lineno"] === "number" ? child["lineno"] : lineno;
    if (key.startsWith("PLpgSQL_stmt_") && !TRANSPARENT_PLPGSQL.has(key)) walk.opaque.push(key.slice(13));
    if (key === "PLpgSQL_stmt_execsql") {
      const query = stringField(expressionOf(child, "sqlstmt"), "query");
      if (query) walk.statements.push({ kind: "sql", query, parseMode: 0, guards, lineno: line });
    } else if (key === "PLpgSQL_stmt_perform") {
      // PERFORM f() is `SELECT f()` to the parser: the call is read (pg_advisory_unlock_all()),
      // and the block stays opaque (what a routine it calls does is read only for the routines
      // the migration creates).
      const query = stringField(expressionOf(child, "expr"), "query");
      if (query?.startsWith(PERFORM_QUERY_PREFIX))
        walk.statements.push({ kind: "perform", query, parseMode: 0, guards, lineno: line });
    } else if (key === "PLpgSQL_expr") {
      const query = stringField(child, "query");
      const parseMode = typeof child["parseMode"] === "number" ? child["parseMode"] : 0;
      if (query) walk.statements.push({ kind: "expression", query, parseMode, guards, lineno: line });
    } else if (key === "PLpgSQL_stmt_block") {
      const exceptionBlock = objectField(objectField(child, "exceptions"), "PLpgSQL_exception_block");
      const exceptions = arrayField(exceptionBlock, "exc_list").map((exception) =>
        objectField(exception as AstObject, "PLpgSQL_exception"),
      );
      const handles = exceptions.flatMap((exception) =>
        arrayField(exception, "conditions").map(
          (condition) => stringField(objectField(condition as AstObject, "PLpgSQL_condition"), "condname") ?? "",
        ),
      );
      visit(child["body"], { ...guards, handles: [...guards.handles, ...handles] }, line, walk);
      // A handler's statements run, like the body's, but only once the body fails (conditional),
      // and outside its own block's handlers: an error in a handler goes to the enclosing block.
      for (const exception of exceptions) visit(exception?.["action"], { ...guards, conditional: true }, line, walk);
    } else if (key === "PLpgSQL_stmt_if") {
      visit(child, { ...guards, conditional: true }, line, walk);
    } else {
      visit(child, guards, line, walk);
    }
  }
}
