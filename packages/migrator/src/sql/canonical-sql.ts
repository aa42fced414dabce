/**
 * A statement's shape with its re-run guards removed, to tell whether a hand-guarded statement in a
 * migration is the one Drizzle Kit generated: `CREATE TABLE IF NOT EXISTS "t" …` and
 * `CREATE TABLE "t" …` have the same canonical form. So do `"public"."t"` and `"t"`: Drizzle Kit
 * versions differ in whether they qualify names in the default schema (`CREATE TYPE "public"."e"`,
 * `REFERENCES "public"."t"` today; `CREATE TYPE "e"`, `REFERENCES "t"` in older migrations).
 */
import { parseSync } from "libpg-query";
import { nodeOf, stringField } from "./ast.ts";
import type { SqlUnit } from "./parse-migration.ts";

/**
 * Fields that do not change what a statement creates: positions, re-run guards, and what a team
 * adds to a generated statement on the review's own advice (`CONCURRENTLY`, `NOT VALID`). Also
 * what Drizzle Kit versions write differently for the same change: where `ALTER TYPE … ADD VALUE`
 * places the value (`BEFORE 'x'` today, nothing in older versions) and `DROP TABLE "t" CASCADE`
 * (today) against `DROP TABLE "t"`.
 */
const IGNORED_FIELDS = new Set([
  "location",
  "stmt_location",
  "stmt_len",
  "list_start",
  "list_end",
  "rexpr_list_start",
  "rexpr_list_end",
  "name_location",
  "if_not_exists",
  "missing_ok",
  "skipIfNewValExists",
  "concurrent",
  "skip_validation",
  "initially_valid",
  "newValNeighbor",
  "newValIsAfter",
  "behavior",
]);

/** The canonical form of a parsed statement. */
export function canonicalUnit(unit: SqlUnit): string {
  return canonicalNode({ [unit.type]: unit.node });
}

/** The canonical forms of the statements in a SQL string (empty when it does not parse). */
export function canonicalStatements(sql: string): string[] {
  try {
    return (parseSync(sql).stmts ?? []).map((raw) => canonicalNode(raw.stmt));
  } catch {
    return [];
  }
}

/** The schema an unqualified name resolves to under Drizzle Kit's default search path. */
const DEFAULT_SCHEMA = "public";

/** The canonical form of any parse-tree node (a constraint, an expression). */
export function canonicalNode(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => {
    if (IGNORED_FIELDS.has(key)) return undefined;
    // A column's constraints in any order: `NOT NULL DEFAULT x` is `DEFAULT x NOT NULL`.
    if (key === "constraints" && Array.isArray(value)) return sortedByCanonicalForm(value);
    // A table, view or sequence reference (`RangeVar`) in the default schema.
    if (key === "schemaname" && value === DEFAULT_SCHEMA) return undefined;
    // A qualified name list (type, function, enum): `["public", "e"]` is `["e"]`.
    if (Array.isArray(value) && value.length > 1 && stringValue(value[0]) === DEFAULT_SCHEMA) {
      if (value.every((item) => stringValue(item) !== undefined)) return value.slice(1);
    }
    return value;
  });
}

function sortedByCanonicalForm(items: unknown[]): unknown[] {
  return items
    .map((item) => ({ item, key: canonicalNode(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

/** The text of a `{ String: { sval } }` node. */
function stringValue(value: unknown): string | undefined {
  return stringField(nodeOf(value, "String"), "sval");
}
