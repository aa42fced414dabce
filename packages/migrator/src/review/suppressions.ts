/**
 * `-- review-ignore rule-id: reason` on a line above a statement accepts that rule's findings on
 * the statement: the first one whose code starts below the comment, in the same chunk (between
 * `--> statement-breakpoint`s), with the statements inside it when it is a DO block. It does not
 * reach the statements after that one, even in the same chunk. A suppression needs a reason, and
 * one that suppresses nothing is reported (as squawk does), so suppressions cannot go stale.
 */
import type { ParsedMigration, Position, ReviewStatement, SqlUnit } from "../sql/parse-migration.ts";

export interface Suppression {
  rule: string;
  reason: string;
  position: Position;
  /** The chunk it is in. */
  statement: ReviewStatement;
  /** The statement it applies to; none below it in the chunk (or a chunk that did not parse): nothing. */
  unit: SqlUnit | undefined;
}

/** Every suppression comment in a migration, with the statement below it. */
export function findSuppressions(migration: ParsedMigration): Suppression[] {
  const found: Suppression[] = [];
  const pattern = /^\s*--\s*review-ignore\s+([a-z0-9-]+)\s*(?::\s*(.*))?$/;
  for (const statement of migration.statements) {
    const starts = statement.units.map((unit) => ({ unit, line: migration.positionAt(unit.offset).line }));
    const lines = statement.sql.split("\n");
    for (const [i, text] of lines.entries()) {
      const match = pattern.exec(text);
      if (!match) continue;
      const line = statement.line + i;
      found.push({
        rule: match[1] ?? "",
        reason: (match[2] ?? "").trim(),
        position: { line, column: text.indexOf("--") + 1 },
        statement,
        unit: starts.find((start) => start.line > line)?.unit,
      });
    }
  }
  return found;
}
