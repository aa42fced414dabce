/**
 * `-- review-ignore rule-id: reason` on the line right above a statement accepts that rule's
 * findings on the statement. A suppression needs a reason, and one that suppresses nothing is
 * reported (as squawk does), so suppressions cannot go stale.
 */
import type { ParsedMigration, Position, ReviewStatement } from "../sql/parse-migration.ts";

export interface Suppression {
  rule: string;
  reason: string;
  position: Position;
  /** The statement it applies to (the one whose code starts on the next line). */
  statement: ReviewStatement;
}

/** Every suppression comment in a migration, attached to the statement below it. */
export function findSuppressions(migration: ParsedMigration): Suppression[] {
  const found: Suppression[] = [];
  const pattern = /^\s*--\s*review-ignore\s+([a-z0-9-]+)\s*(?::\s*(.*))?$/;
  for (const statement of migration.statements) {
    const lines = statement.sql.split("\n");
    const codeLineIndex = statement.position.line - statement.line;
    for (let i = 0; i < codeLineIndex && i < lines.length; i++) {
      const match = pattern.exec(lines[i] ?? "");
      if (!match) continue;
      found.push({
        rule: match[1] ?? "",
        reason: (match[2] ?? "").trim(),
        position: { line: statement.line + i, column: (lines[i] ?? "").indexOf("--") + 1 },
        statement,
      });
    }
  }
  return found;
}
