/**
 * `-- review-ignore rule-id: reason` in the comment lines right above a statement (only comment
 * and blank lines between) accepts that rule's findings on the statement, with the statements
 * inside it when it is a DO block and those of the routines it calls (they run at the call); a
 * statement inside a DO block may have its own. It does not reach the statements after that one,
 * even in the same chunk (between `--> statement-breakpoint`s), and a line inside another
 * statement, a string, a block comment or a routine's body is not a suppression. A suppression
 * needs a reason, and one that suppresses nothing is reported (as squawk does), so suppressions
 * cannot go stale.
 */
import type { ParsedMigration, Position, ReviewStatement, SqlUnit } from "../sql/parse-migration.ts";

export interface Suppression {
  rule: string;
  reason: string;
  position: Position;
  /** The chunk it is in. */
  statement: ReviewStatement;
  /** The statement it applies to; undefined in a chunk that did not parse (it applies to the chunk). */
  unit: SqlUnit | undefined;
}

const PATTERN = /^\s*--\s*review-ignore\s+([a-z0-9-]+)\s*(?::\s*(.*?))?\s*$/;

/** Every suppression comment in a migration, with the statement it is right above. */
export function findSuppressions(migration: ParsedMigration): Suppression[] {
  const found: Suppression[] = [];
  for (const statement of migration.statements) {
    const lines = statement.sql.split("\n").map((line) => line.replace(/\r$/, ""));
    const lineStarts: number[] = [];
    let offset = statement.offset;
    for (const line of lines) {
      lineStarts.push(offset);
      offset += line.length + 1;
    }
    const collect = (below: number, floor: number, unit: SqlUnit | undefined) => {
      for (let i = below - 1; i >= 0 && (lineStarts[i] ?? 0) >= floor; i--) {
        const text = lines[i] ?? "";
        const trimmed = text.trim();
        if (trimmed !== "" && !trimmed.startsWith("--")) break;
        const match = PATTERN.exec(text);
        if (!match) continue;
        found.push({
          rule: match[1] ?? "",
          reason: (match[2] ?? "").trim(),
          position: { line: statement.line + i, column: text.indexOf("--") + 1 },
          statement,
          unit,
        });
      }
    };
    if (statement.units.length === 0) collect(statement.position.line - statement.line, statement.offset, undefined);
    const starts = new Set<number>();
    for (const unit of statement.units) {
      // Units that start at one place (a call and the statements of the routine it runs, placed
      // at it) share the comments above it: the first one takes them, `within` gives them to the rest.
      if (starts.has(unit.offset)) continue;
      starts.add(unit.offset);
      // Not above the end of a statement before this one (a comment inside it, or inside its strings).
      const floor = Math.max(
        statement.offset,
        ...statement.units.map((other) => other.offset + other.text.length).filter((end) => end <= unit.offset),
      );
      collect(migration.positionAt(unit.offset).line - statement.line, floor, unit);
    }
  }
  return found.sort((a, b) => a.position.line - b.position.line);
}
