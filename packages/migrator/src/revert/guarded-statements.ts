/**
 * db:revert's statements with the guards db:review asks of a re-runnable migration (guards.ts,
 * rules `missing-guard` and `unguarded-enum`): `IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`, or,
 * where PostgreSQL has no such clause, a DO block: for `ADD CONSTRAINT` and `CREATE POLICY` one
 * that puts the object back only where nothing of its name is there and stops when what is there
 * differs (definition-guards.ts); for `CREATE TYPE … AS ENUM`, `CREATE ROLE` and `CREATE VIEW` the
 * one catching the duplicate that `db:review --fix` writes. Drizzle Kit writes none. `DROP ROLE`
 * and `DROP IDENTITY`, which guards.ts does not ask about, get their `IF EXISTS` too, and an
 * identity put back its DO block (identity-guards.ts).
 */
import { parseSql, type SqlUnit } from "../sql/parse-migration.ts";
import { sqlTokens } from "../sql/tokens.ts";
import { applyInsertions, codeEnd, type GuardFix, guardFix, wrapInDoBlock } from "../review/fix/statement-fixes.ts";
import { DEFINITION_GUARD_COMMENT, definitionGuard } from "./definition-guards.ts";
import { addIdentityBlock, dropIdentityInsertions, IDENTITY_RESTART_COMMENT } from "./identity-guards.ts";
import type { RevertStatement } from "./manual-sql.ts";

/** `DROP ROLE|USER|GROUP name` without IF EXISTS: where the guard goes. */
function dropRoleGuard(unit: SqlUnit): GuardFix | undefined {
  if (unit.type !== "DropRoleStmt" || unit.node["missing_ok"] === true) return undefined;
  const tokens = sqlTokens(unit.text).filter((token) => !token.comment);
  const kind = tokens[1];
  return kind ? { insertions: [{ at: kind.end, text: " IF EXISTS" }], wrap: false } : undefined;
}

/**
 * The guard a top-level statement needs, or undefined (guarded already, or none can be written
 * mechanically). A view is wrapped rather than made `OR REPLACE`: db:review does not count
 * `OR REPLACE` as a guard when it compares a statement with Drizzle Kit's, so the view would
 * read as hand-written (rule `manual-addition-header`); the DO block catches its duplicate_table.
 */
function guardOf(unit: SqlUnit): GuardFix | undefined {
  if (unit.guards.inDoBlock) return undefined;
  const fix = guardFix(unit) ?? dropRoleGuard(unit);
  if (!fix || "unfixable" in fix) return undefined;
  return unit.type === "ViewStmt" ? { insertions: [], wrap: true } : fix;
}

/** The index in `sql` just after a unit and the `;` that ends it. */
function endWithSemicolon(sql: string, unit: SqlUnit): number {
  const end = unit.offset + unit.text.length;
  const rest = sql.slice(end);
  const gap = rest.length - rest.trimStart().length;
  return rest[gap] === ";" ? end + gap + 1 : end;
}

/**
 * One statement of the revert with its guards written in; the statement itself when it needs
 * none, or when no guard can be written mechanically (`RENAME VALUE`, which db:revert never
 * writes: Drizzle Kit's renames are refused as ambiguous). The parser must be loaded.
 *
 * @example guardedStatement({ sql: 'DROP INDEX "i";', comments: [] }).sql // 'DROP INDEX IF EXISTS "i";'
 */
export function guardedStatement(statement: RevertStatement): RevertStatement {
  let sql = statement.sql;
  const comments = [...statement.comments];
  const units = parseSql(sql).filter((unit) => !unit.guards.inDoBlock);
  // From the last to the first, so each unit's offsets still hold when it is rewritten.
  for (const unit of [...units].sort((a, b) => b.offset - a.offset)) {
    const identity = addIdentityBlock(unit);
    const block = identity ?? definitionGuard(unit);
    if (block) {
      sql = sql.slice(0, unit.offset) + block + unit.text.slice(codeEnd(unit)) + sql.slice(endWithSemicolon(sql, unit));
      comments.push(identity ? IDENTITY_RESTART_COMMENT : DEFINITION_GUARD_COMMENT);
      continue;
    }
    const guard = guardOf(unit);
    const dropIdentity = dropIdentityInsertions(unit);
    const fix = guard?.wrap ? guard : { insertions: [...dropIdentity, ...(guard?.insertions ?? [])], wrap: false };
    if (fix.insertions.length === 0 && !fix.wrap) continue;
    if (fix.wrap) {
      // A comment after the code (no `;` before it) stays after the DO block, not inside it.
      const end = codeEnd(unit);
      const text = applyInsertions(unit.text.slice(0, end), fix.insertions);
      sql =
        sql.slice(0, unit.offset) + wrapInDoBlock(text) + unit.text.slice(end) + sql.slice(endWithSemicolon(sql, unit));
    } else {
      const text = applyInsertions(unit.text, fix.insertions);
      sql = sql.slice(0, unit.offset) + text + sql.slice(unit.offset + unit.text.length);
    }
  }
  return sql === statement.sql ? statement : { ...statement, sql, comments };
}
