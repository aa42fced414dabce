/**
 * A statement's shape with its re-run guards removed, to tell whether a hand-guarded statement in a
 * migration is the one Drizzle Kit generated: `CREATE TABLE IF NOT EXISTS "t" …` and
 * `CREATE TABLE "t" …` have the same canonical form.
 */
import { parseSync } from "libpg-query";
import type { SqlUnit } from "./parse-migration.ts";

/** Fields that hold positions or re-run guards, not meaning. */
const IGNORED_FIELDS = new Set([
  "location",
  "stmt_location",
  "stmt_len",
  "if_not_exists",
  "missing_ok",
  "skipIfNewValExists",
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

function canonicalNode(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (IGNORED_FIELDS.has(key) ? undefined : value));
}
