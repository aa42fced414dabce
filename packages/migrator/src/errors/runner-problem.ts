import type { DatabaseErrorFields } from "../drivers/driver.ts";
import type { FolderIssue } from "../journal/folder-issue.ts";

/** Where in a migration file a statement failed. */
export interface StatementLocation {
  tag: string;
  file: string;
  /** 1-based statement number in the file (as `splitStatements` counts). */
  statement: number;
  /** 1-based line of the file where the statement starts. */
  line: number;
  /** The statement's first line of code, for the message. */
  firstLine: string;
  /** The file line PostgreSQL's error position points at, when it gave one. */
  errorLine?: number;
}

/** An applied migration whose file has changed since (same `when`, different hash). */
export interface ModifiedMigration {
  tag: string;
  file: string;
  id: number;
  appliedHash: string;
  fileHash: string;
}

/** A bookkeeping row no journal entry matches. */
export interface UnknownMigration {
  id: number;
  hash: string;
  createdAt: number | null;
}

/** A pending migration older than the newest applied one (Drizzle would skip it). */
export interface OutOfOrderMigration {
  tag: string;
  when: number;
  newestAppliedWhen: number;
}

/**
 * Every failure the migrator reports, as plain data with a fixed shape. Commands turn these into
 * messages and exit codes; tests assert on them.
 */
export type RunnerProblem =
  | { kind: "folder-invalid"; folder: string; issues: FolderIssue[]; warnings: FolderIssue[] }
  | { kind: "history-mismatch"; modified: ModifiedMigration[]; unknown: UnknownMigration[] }
  | { kind: "out-of-order"; migrations: OutOfOrderMigration[] }
  | { kind: "migration-failed"; at: StatementLocation; database: DatabaseErrorFields; missingExtension?: string }
  | {
      kind: "lock-timeout";
      at: StatementLocation;
      attempts: number;
      lockTimeoutMs: number;
      database: DatabaseErrorFields;
    }
  | { kind: "runner-busy"; waitedMs: number; lockKey: string }
  | { kind: "accept-refused"; tag: string; reason: "not-in-journal" | "not-modified" }
  | { kind: "invalid-option"; option: string; value: string; expected: string };
