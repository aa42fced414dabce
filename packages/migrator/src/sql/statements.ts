import { countLineBreaks, hasCode, LINE_BREAK } from "./comments.ts";

/**
 * How a Drizzle Kit migration file becomes statements. The runner and the reviewer both use this,
 * so a statement number in an error and a line in a review finding mean the same thing.
 */

/** Drizzle Kit's separator between statements. */
export const STATEMENT_BREAKPOINT = "--> statement-breakpoint";

/** One chunk of a migration file, as it will be sent to the database. */
export interface MigrationStatement {
  /** 1-based position in the file. */
  index: number;
  /** The chunk's text, trimmed; may start with comments. */
  sql: string;
  /** 1-based line of the file where `sql` starts. */
  line: number;
}

/**
 * Splits a migration file on `--> statement-breakpoint`, exactly as Drizzle's migrator does, and
 * drops chunks that are empty or hold only comments (PostgreSQL would reject an empty query).
 *
 * @example
 * splitStatements('CREATE TABLE "a" ();--> statement-breakpoint\nCREATE INDEX ...')
 * // [{ index: 1, line: 1, sql: 'CREATE TABLE "a" ();' }, { index: 2, line: 2, sql: "CREATE INDEX ..." }]
 */
export function splitStatements(fileText: string): MigrationStatement[] {
  const statements: MigrationStatement[] = [];
  let line = 1;
  for (const chunk of fileText.split(STATEMENT_BREAKPOINT)) {
    const leading = chunk.length - chunk.trimStart().length;
    const startLine = line + countLineBreaks(chunk.slice(0, leading));
    const sql = chunk.trim();
    if (hasCode(sql)) statements.push({ index: statements.length + 1, sql, line: startLine });
    line += countLineBreaks(chunk);
  }
  return statements;
}

/**
 * The directive that makes the runner apply a migration outside a transaction (for
 * `CREATE INDEX CONCURRENTLY`, or an enum value used by the next migration). It must be the first
 * line of the file. Such a migration must be re-runnable, since a failure can leave part of it
 * applied; `db:review` checks that.
 */
export const NO_TRANSACTION_DIRECTIVE = "-- migrator:no-transaction";

/** Whether the file asks to run outside a transaction (its first line is the directive). */
export function runsOutsideTransaction(fileText: string): boolean {
  const first = fileText.split(LINE_BREAK, 1)[0]?.trim() ?? "";
  return first === NO_TRANSACTION_DIRECTIVE;
}
