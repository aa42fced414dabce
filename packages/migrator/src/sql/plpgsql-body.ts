/**
 * The SQL a PL/pgSQL routine's body holds, read with PostgreSQL's parsers: every query and
 * expression in it (statements, loop queries, conditions, assignments, variable defaults,
 * `PERFORM`s, `RETURN`s). PostgreSQL records no dependency on what a PL/pgSQL body uses, so
 * `DROP … CASCADE` of a table leaves a routine that queries it broken: whoever needs to know what
 * the body uses (db:revert's later-migration check) reads it here. The queries of dynamic
 * statements (`EXECUTE 'SELECT …'`) are strings built at run time, not read.
 */
import { type AstObject, findNodes, isObject, stringField, unwrap } from "./ast.ts";
import { pgQuery } from "./pg-query.ts";

/** The statements of a body that could be read (a part PostgreSQL's parsers reject is left out). */
export interface PlpgsqlBody {
  statements: { type: string; node: AstObject }[];
}

/** How PL/pgSQL asked for each expression to be parsed (`PLpgSQL_expr.parseMode`). */
const PARSE_MODE = { statement: 0, typeName: 1, expression: 2 } as const;

/** The expression of an assignment's query (`n := (SELECT …)`, `a[i] = 1`): what follows its first top-level `:=` or `=`. */
function assignedExpression(query: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") depth--;
    else if (depth === 0 && c === ":" && query[i + 1] === "=") return query.slice(i + 2);
    else if (depth === 0 && c === "=") return query.slice(i + 1);
  }
  return undefined;
}

/** The text to give PostgreSQL's parser for one PL/pgSQL expression, or undefined for a type name. */
function parsableText(query: string, mode: number): string | undefined {
  if (mode === PARSE_MODE.statement) return query;
  if (mode === PARSE_MODE.typeName) return undefined;
  if (mode === PARSE_MODE.expression) return `SELECT ${query}`;
  const assigned = assignedExpression(query);
  return assigned === undefined ? undefined : `SELECT ${assigned}`;
}

/**
 * Reads the PL/pgSQL body of a `CREATE FUNCTION`/`CREATE PROCEDURE` statement (its whole text).
 * What cannot be read is left out, not guessed: SQL run from a string (`EXECUTE`), and a body or
 * an expression the parsers reject (libpg-query's PL/pgSQL parser cannot resolve `%TYPE` in a
 * parameter, nor a field of a `%ROWTYPE` variable).
 */
export function plpgsqlBody(createText: string): PlpgsqlBody {
  let parsed: unknown;
  try {
    parsed = pgQuery().parsePlPgSQLSync(createText);
  } catch {
    return { statements: [] };
  }
  const statements: { type: string; node: AstObject }[] = [];
  for (const { body } of findNodes(parsed, "PLpgSQL_expr")) {
    const query = stringField(body, "query");
    const mode = typeof body["parseMode"] === "number" ? body["parseMode"] : PARSE_MODE.statement;
    const text = query === undefined ? undefined : parsableText(query, mode);
    if (text === undefined) continue;
    let tree: unknown;
    try {
      tree = pgQuery().parseSync(text);
    } catch {
      continue;
    }
    for (const raw of isObject(tree) && Array.isArray(tree["stmts"]) ? tree["stmts"] : []) {
      const statement = unwrap(isObject(raw) ? raw["stmt"] : undefined);
      if (statement) statements.push({ type: statement.type, node: statement.body });
    }
  }
  return { statements };
}
