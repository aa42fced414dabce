/**
 * The SQL a PL/pgSQL routine's body holds, read with PostgreSQL's parsers: every query and
 * expression in it (statements, loop queries, conditions, assignments, variable defaults,
 * `PERFORM`s, `RETURN`s). PostgreSQL records no dependency on what a PL/pgSQL body uses, so
 * `DROP … CASCADE` of a table leaves a routine that queries it broken: whoever needs to know what
 * the body uses (db:revert's later-migration check) reads it here. The queries of dynamic
 * statements (`EXECUTE 'SELECT …'`) are strings built at run time, not read.
 */
import { type AstObject, findNodes, isObject, objectField, stringField, unwrap } from "./ast.ts";
import { dynamicStatements } from "./opaque-routines.ts";
import { pgQuery } from "./pg-query.ts";
import { errorMessage } from "../errors/error-message.ts";

/** The statements of a body that could be read (a part PostgreSQL's parsers reject is left out). */
export interface PlpgsqlBody {
  /** Why part of it could not be read (the parser rejects it, it runs SQL from strings); undefined when all of it was. */
  unread?: string;
  statements: { type: string; node: AstObject }[];
  /** The types its variables are declared with (`g "gadget"`, `g gadget%ROWTYPE`), as type names. */
  types: AstObject[];
  /** The columns its variables take their type from (`n gadget.id%TYPE`), as name lists. */
  columns: string[][];
}

/** A `%ROWTYPE`'s name as PL/pgSQL gives it (its quotes taken off, case kept), quoted again where it must be. */
function requoted(name: string): string {
  return name
    .split(".")
    .map((part) => (/^([a-z_][a-z0-9_$]*|".*")$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`))
    .join(".");
}

/** Reads a variable's declared type (`PLpgSQL_type.typname`) into a type name, or the column of a `%TYPE`. */
function declaredType(typname: string, body: PlpgsqlBody): void {
  const column = /^(.*)%type$/i.exec(typname)?.[1];
  if (column !== undefined) {
    body.columns.push(column.split(".").map((part) => part.replace(/^"(.*)"$/, "$1").replaceAll('""', '"')));
    return;
  }
  // A plain type comes as it was written (`Gadget`, `"Gadget"`): the SQL parser reads it as the server does.
  const rowtype = /^(.*)%rowtype$/i.exec(typname)?.[1];
  const type = rowtype === undefined ? typname : requoted(rowtype);
  try {
    const tree = pgQuery().parseSync(`SELECT NULL::${type}`);
    const [cast] = findNodes(tree, "TypeCast");
    const typeName = cast ? objectField(cast.body, "typeName") : undefined;
    if (typeName) body.types.push(typeName);
  } catch {
    // A type the parser cannot read is not guessed.
  }
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

/** The text to give PostgreSQL's parser for one PL/pgSQL expression (`PLpgSQL_expr`), or undefined for a type name. */
export function parsableText(query: string, mode: number): string | undefined {
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
  } catch (error) {
    const reason = errorMessage(error);
    return { unread: `libpg-query's PL/pgSQL parser rejects it (${reason})`, statements: [], types: [], columns: [] };
  }
  const dynamic = dynamicStatements(parsed);
  const body: PlpgsqlBody = {
    ...(dynamic.length ? { unread: `it runs SQL from strings (${dynamic.join(", ")})` } : {}),
    statements: [],
    types: [],
    columns: [],
  };
  for (const { body: type } of findNodes(parsed, "PLpgSQL_type")) {
    const typname = stringField(type, "typname");
    if (typname) declaredType(typname, body);
  }
  const statements = body.statements;
  for (const { body: expression } of findNodes(parsed, "PLpgSQL_expr")) {
    const query = stringField(expression, "query");
    const mode = typeof expression["parseMode"] === "number" ? expression["parseMode"] : PARSE_MODE.statement;
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
  return body;
}
