/**
 * A `search_path` value as PostgreSQL stores it (`ha, pg_catalog`, `"$user", public`): a database's
 * or role's default (`pg_db_role_setting`), or a function's own (`proconfig`). What it lists, and
 * whether pg_catalog's objects still come first for a bare name.
 */
import { arrayField, constantText, isObject, nodeOf } from "../sql/ast.ts";
import { pgQuery } from "../sql/pg-query.ts";

/**
 * The schemas of a `search_path` value (`"$user", public`), read as PostgreSQL's parser reads
 * `SET`: quotes removed, `$user` as written; null if it cannot. The parser must be loaded.
 */
export function searchPathSchemas(value: string): string[] | null {
  try {
    const tree = pgQuery().parseSync(`SET search_path TO ${value}`);
    const [statement] = arrayField(isObject(tree) ? tree : undefined, "stmts");
    const set = nodeOf(isObject(statement) ? statement["stmt"] : undefined, "VariableSetStmt");
    const schemas = arrayField(set, "args").map((arg) => constantText(arg));
    return set && schemas.every((s) => s !== undefined) ? (schemas as string[]) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a path finds pg_catalog's functions and types before any other schema's: it lists
 * `pg_catalog` first, or not at all (PostgreSQL then searches it before the listed ones). Listed
 * after another schema (`ha, pg_catalog`), a bare `current_setting` or `uuid` is that schema's
 * first, if it has one.
 *
 * @example catalogFirst(["app", "pg_catalog"]) // false
 */
export function catalogFirst(schemas: readonly string[]): boolean {
  return !schemas.includes("pg_catalog") || schemas[0] === "pg_catalog";
}
