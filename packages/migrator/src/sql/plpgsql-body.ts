/**
 * The SQL a PL/pgSQL routine's body holds, read with PostgreSQL's parsers: every query and
 * expression in it (statements, loop queries, conditions, assignments, variable defaults,
 * `PERFORM`s, `RETURN`s). PostgreSQL records no dependency on what a PL/pgSQL body uses, so
 * `DROP … CASCADE` of a table leaves a routine that queries it broken: whoever needs to know what
 * the body uses (db:revert's later-migration check) reads it here.
 */
import { type AstObject, findNodes, isObject, stringField, unwrap } from "./ast.ts";
import { OPAQUE_STATEMENTS } from "./opaque-routines.ts";
import { pgQuery } from "./pg-query.ts";

/** What a body holds: its SQL as statement nodes, or why it cannot be read. */
export type PlpgsqlBody = { statements: { type: string; node: AstObject }[] } | { unreadable: string };

/** How PL/pgSQL asked for each expression to be parsed (`PLpgSQL_expr.parseMode`). */
const PARSE_MODE = { statement: 0, typeName: 1, expression: 2 } as const;

/** The expression of an assignment's query (`n := (SELECT …)`, `r.f = 1`): what follows its `:=` or `=`. */
function assignedExpression(query: string): string | undefined {
  return /^[^:=]*(?::=|=)\s*([\s\S]*)$/.exec(query)?.[1];
}

/** The text to give PostgreSQL's parser for one PL/pgSQL expression, or undefined for a type name. */
function parsableText(query: string, mode: number): string | undefined {
  if (mode === PARSE_MODE.statement) return query;
  if (mode === PARSE_MODE.typeName) return undefined;
  if (mode === PARSE_MODE.expression) return `SELECT ${query}`;
  const assigned = assignedExpression(query);
  return assigned === undefined ? query : `SELECT ${assigned}`;
}

/** Reads the PL/pgSQL body of a `CREATE FUNCTION`/`CREATE PROCEDURE` statement (its whole text). */
export function plpgsqlBody(createText: string): PlpgsqlBody {
  let parsed: unknown;
  try {
    parsed = pgQuery().parsePlPgSQLSync(createText);
  } catch (error) {
    return {
      unreadable: `PostgreSQL's PL/pgSQL parser rejects it (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const dynamic = [...OPAQUE_STATEMENTS].filter(([kind]) => findNodes(parsed, `PLpgSQL_stmt_${kind}`).length > 0);
  if (dynamic.length > 0)
    return { unreadable: `runs SQL it cannot read (${dynamic.map(([, label]) => label).join(", ")})` };
  const statements: { type: string; node: AstObject }[] = [];
  for (const { body } of findNodes(parsed, "PLpgSQL_expr")) {
    const query = stringField(body, "query");
    const mode = typeof body["parseMode"] === "number" ? body["parseMode"] : PARSE_MODE.statement;
    const text = query === undefined ? undefined : parsableText(query, mode);
    if (text === undefined) continue;
    let tree: unknown;
    try {
      tree = pgQuery().parseSync(text);
    } catch (error) {
      return {
        unreadable: `PostgreSQL's parser rejects \`${query}\` (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    for (const raw of isObject(tree) && Array.isArray(tree["stmts"]) ? tree["stmts"] : []) {
      const statement = unwrap(isObject(raw) ? raw["stmt"] : undefined);
      if (statement) statements.push({ type: statement.type, node: statement.body });
    }
  }
  return { statements };
}
