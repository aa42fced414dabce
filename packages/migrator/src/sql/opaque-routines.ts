/**
 * SQL the review cannot read: what a PL/pgSQL body runs from a string (`EXECUTE`, `FOR … IN
 * EXECUTE`) or through a cursor (`OPEN … FOR`). A DO block does it at once; a routine does it when
 * called, in this migration or in any later one, so the replayed schema remembers the routines
 * that do (review/schema-state.ts) and `dynamic-sql` reports a call of one.
 */
import { arrayField, type AstObject, findNodes, nameList, nodeOf, objectField, stringField } from "./ast.ts";
import type { SqlUnit } from "./sql-unit.ts";
import { pgQuery } from "./pg-query.ts";
import { columnType } from "./type-name.ts";

/** The PL/pgSQL statements that run SQL the review cannot read, as the parse names them, with what to call them. */
export const OPAQUE_STATEMENTS = new Map([
  ["dynexecute", "EXECUTE"],
  ["dynfors", "FOR … IN EXECUTE"],
  // OPEN c FOR EXECUTE '…' (or OPEN c FOR DELETE … RETURNING): a cursor's query is not read either.
  ["open", "OPEN … FOR"],
]);

/**
 * The schema an unqualified routine name resolves to: the review does not follow `search_path`, so
 * an unqualified `CREATE FUNCTION f()` (or `DROP`) is taken to mean `public.f()`, as a table is.
 */
export const DEFAULT_ROUTINE_SCHEMA = "public";

/** A routine a `CREATE FUNCTION` or `CREATE PROCEDURE` defines. */
export interface RoutineDefinition {
  /** Its schema: the one the statement names, else {@link DEFAULT_ROUTINE_SCHEMA}. */
  schema: string;
  /** Its name, without the schema (calls are looked up by it). */
  name: string;
  /** Its name and argument types: one overload of the name in its schema (`f(int4, text)`). */
  signature: string;
  /** What its body runs that the review cannot read; empty for a body it reads, or another language. */
  opaque: string[];
}

/** Parameters that are not part of a routine's identity: its results. */
const RESULT_MODES = new Set(["FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"]);

/**
 * The name and argument types that tell one overload from another (its results do not), each type
 * as PostgreSQL identifies it: the parser already turns the SQL spellings into the catalog's names
 * (`integer` and `int` into `pg_catalog.int4`, `double precision` into `pg_catalog.float8`,
 * `character varying` into `pg_catalog.varchar`), so with the implied schema dropped
 * (`pg_catalog.text` is `text`) and the modifiers too (`varchar(10)` is `varchar`: PostgreSQL
 * ignores them in a routine's signature), `f(n int)` and `f(int4)` name one overload.
 */
function signatureOf(name: string, parameters: unknown): string {
  const types = arrayField({ parameters }, "parameters")
    .flatMap((item): AstObject[] => {
      const parameter = nodeOf(item, "FunctionParameter");
      return parameter ? [parameter] : [];
    })
    .filter((parameter) => !RESULT_MODES.has(stringField(parameter, "mode") ?? ""))
    .map((parameter) => argumentType(objectField(parameter, "argType")));
  return `${name}(${types.join(", ")})`;
}

/** An argument's type in a signature: `int4`, `varchar[]`, `auth.role`, `accounts.id%TYPE`. */
function argumentType(typeName: AstObject | undefined): string {
  const { name, arrayDepth } = columnType(typeName);
  return `${name}${typeName?.["pct_type"] === true ? "%TYPE" : ""}${"[]".repeat(arrayDepth)}`;
}

/** A routine's schema and name from a qualified name list (`["auth", "f"]`, `["f"]`). */
function routineName(names: readonly string[]): { schema: string; name: string } | undefined {
  const name = names.at(-1);
  return name ? { schema: names.at(-2) ?? DEFAULT_ROUTINE_SCHEMA, name } : undefined;
}

/** The `LANGUAGE` of a `CREATE FUNCTION`/`PROCEDURE` statement node, lower-cased; undefined when it gives none. */
export function routineLanguage(node: AstObject): string | undefined {
  const option = arrayField(node, "options")
    .map((item) => nodeOf(item, "DefElem"))
    .find((item) => stringField(item, "defname") === "language");
  return stringField(nodeOf(option?.["arg"], "String"), "sval")?.toLowerCase();
}

/** The routine a `CreateFunctionStmt` unit defines, and what of its body the review cannot read. */
export function routineDefinition(unit: SqlUnit): RoutineDefinition | undefined {
  if (unit.type !== "CreateFunctionStmt") return undefined;
  const named = routineName(nameList(unit.node["funcname"]));
  if (!named) return undefined;
  const routine = { ...named, signature: signatureOf(named.name, unit.node["parameters"]) };
  if (routineLanguage(unit.node) !== "plpgsql") return { ...routine, opaque: [] };
  let body: unknown;
  try {
    body = pgQuery().parsePlPgSQLSync(unit.text);
  } catch {
    return { ...routine, opaque: [] }; // a body PostgreSQL refuses fails the migration itself
  }
  return { ...routine, opaque: dynamicStatements(body) };
}

/** What a parsed PL/pgSQL body (`parsePlPgSQLSync`'s tree) runs from strings, by what to call it. */
export function dynamicStatements(body: unknown): string[] {
  const opaque = [...OPAQUE_STATEMENTS]
    .filter(([kind]) => findNodes(body, `PLpgSQL_stmt_${kind}`).length > 0)
    .map(([, label]) => label);
  // RETURN QUERY EXECUTE is a RETURN QUERY whose query is a string (`dynquery`), not an EXECUTE.
  if (findNodes(body, "PLpgSQL_stmt_return_query").some(({ body: statement }) => statement["dynquery"] !== undefined))
    opaque.push("RETURN QUERY EXECUTE");
  return opaque;
}

/** The overloads a `DROP`, `ALTER … RENAME TO` or `ALTER … SET SCHEMA` of a routine names. */
export interface RoutineTarget {
  /** The schema it names; undefined for an unqualified name (which the review takes to be {@link DEFAULT_ROUTINE_SCHEMA}). */
  schema?: string;
  name: string;
  /** One overload's signature; undefined for every overload of the name (no arguments given). */
  signature?: string;
}

/**
 * The overloads a `DROP FUNCTION`/`ALTER FUNCTION … RENAME` names, from its `ObjectWithArgs`: one
 * signature, or every overload of the name when no arguments are given (`args_unspecified`).
 */
export function routineTarget(object: unknown): RoutineTarget | undefined {
  const target = nodeOf(object, "ObjectWithArgs");
  const names = nameList(target?.["objname"]);
  const name = names.at(-1);
  if (!target || !name) return undefined;
  const schema = names.at(-2);
  const named = schema === undefined ? { name } : { schema, name };
  if (target["args_unspecified"] === true) return named;
  return { ...named, signature: signatureOf(name, target["objfuncargs"]) };
}
