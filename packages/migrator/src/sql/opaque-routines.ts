/**
 * SQL the review cannot read: what a PL/pgSQL body runs from a string (`EXECUTE`, `FOR … IN
 * EXECUTE`) or through a cursor (`OPEN … FOR`). A DO block does it at once; a routine does it when
 * called, in this migration or in any later one, so the replayed schema remembers the routines
 * that do (review/schema-state.ts) and `dynamic-sql` reports a call of one.
 */
import { arrayField, type AstObject, findNodes, nameList, nodeOf, stringField } from "./ast.ts";
import { canonicalNode } from "./canonical-sql.ts";
import type { SqlUnit } from "./sql-unit.ts";
import { pgQuery } from "./pg-query.ts";

/** The PL/pgSQL statements that run SQL the review cannot read, as the parse names them, with what to call them. */
export const OPAQUE_STATEMENTS = new Map([
  ["dynexecute", "EXECUTE"],
  ["dynfors", "FOR … IN EXECUTE"],
  // OPEN c FOR EXECUTE '…' (or OPEN c FOR DELETE … RETURNING): a cursor's query is not read either.
  ["open", "OPEN … FOR"],
]);

/** A routine a `CREATE FUNCTION` or `CREATE PROCEDURE` defines. */
export interface RoutineDefinition {
  /** Its name, without the schema (calls are matched by it). */
  name: string;
  /** Its name and argument types: one overload (`f(pg_catalog.int4)`). */
  signature: string;
  /** What its body runs that the review cannot read; empty for a body it reads, or another language. */
  opaque: string[];
}

/** Parameters that are not part of a routine's identity: its results. */
const RESULT_MODES = new Set(["FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"]);

/** The name and argument types that tell one overload from another (its results do not). */
function signatureOf(name: string, parameters: unknown): string {
  const types = arrayField({ parameters }, "parameters")
    .flatMap((item): AstObject[] => {
      const parameter = nodeOf(item, "FunctionParameter");
      return parameter ? [parameter] : [];
    })
    .filter((parameter) => !RESULT_MODES.has(stringField(parameter, "mode") ?? ""))
    .map((parameter) => canonicalNode(parameter["argType"]));
  return `${name}(${types.join(", ")})`;
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
  const name = nameList(unit.node["funcname"]).at(-1);
  if (!name) return undefined;
  const signature = signatureOf(name, unit.node["parameters"]);
  if (routineLanguage(unit.node) !== "plpgsql") return { name, signature, opaque: [] };
  let body: unknown;
  try {
    body = pgQuery().parsePlPgSQLSync(unit.text);
  } catch {
    return { name, signature, opaque: [] }; // a body PostgreSQL refuses fails the migration itself
  }
  return { name, signature, opaque: dynamicStatements(body) };
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

/**
 * The overloads a `DROP FUNCTION`/`ALTER FUNCTION … RENAME` names, from its `ObjectWithArgs`: one
 * signature, or every overload of the name when no arguments are given (`args_unspecified`).
 */
export function routineTarget(object: unknown): { name: string; signature?: string } | undefined {
  const target = nodeOf(object, "ObjectWithArgs");
  const name = nameList(target?.["objname"]).at(-1);
  if (!target || !name) return undefined;
  if (target["args_unspecified"] === true) return { name };
  return { name, signature: signatureOf(name, target["objfuncargs"]) };
}
