import type { DatabaseErrorFields } from "../drivers/driver.ts";
import type { FolderIssue } from "../journal/folder-issue.ts";

/** Where in a migration file a statement failed. */
export interface StatementLocation {
  tag: string;
  file: string;
  /** 1-based statement number in the file (as `splitStatements` counts). */
  statement: number;
  /** 1-based line of the file where the statement's code starts (past the comments above it). */
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
  /** NULL in a table whose `hash` allows it (Drizzle's does not): the row matches no migration. */
  hash: string | null;
  createdAt: number | null;
  /** The migration this row records a second time (it was applied twice), when it is one. */
  duplicateOf?: string;
}

/** A pending migration older than the newest applied one (Drizzle would skip it). */
export interface OutOfOrderMigration {
  tag: string;
  when: number;
  newestAppliedWhen: number;
}

/** An applied migration whose `when` lies more than a day after the run's clock. */
export interface FutureMigration {
  tag: string;
  when: number;
}

/**
 * How far a failed or interrupted migration got. In one transaction (`transaction`), nothing of it
 * stays; statement by statement, the first `applied` statements stay applied.
 */
export interface MigrationProgress {
  transaction: boolean;
  /** Statements that completed before the failure (they stay applied when `transaction` is false). */
  applied: number;
  /** Statements in the migration. */
  total: number;
  /**
   * INVALID indexes (quoted `schema.name`) a failed concurrent build or rebuild left that the runner
   * could not drop: they stay, and PostgreSQL updates them on every write.
   */
  invalidIndexes?: string[];
  /**
   * Statement by statement: the 1-based number of the statement that failed although it commits
   * inside itself (a DO block's COMMIT, a procedure): part of its work may have committed.
   */
  partlyCommitted?: number;
}

/** A statement that breaks the transaction model of its migration. */
export interface TransactionControlLocation {
  tag: string;
  file: string;
  line: number;
  command: string;
  reason: string;
}

/**
 * Every failure the migrator reports, as plain data with a fixed shape. Commands turn these into
 * messages and exit codes; tests assert on them.
 */
export type RunnerProblem =
  | { kind: "folder-invalid"; folder: string; issues: FolderIssue[]; warnings: FolderIssue[] }
  | { kind: "transaction-control"; statements: TransactionControlLocation[] }
  /**
   * Statements that would undo what the run relies on in its session (`command` says which, `reason`
   * why): releasing its advisory lock, turning standard_conforming_strings off. Refused before any runs.
   */
  | { kind: "session-control"; statements: TransactionControlLocation[] }
  | { kind: "history-mismatch"; modified: ModifiedMigration[]; unknown: UnknownMigration[] }
  /**
   * `futureApplied`: applied migrations whose `when` lies in the future (a clock ahead where they
   * were generated), when there are any: they, not a late branch merge, make the pending ones older.
   */
  | { kind: "out-of-order"; migrations: OutOfOrderMigration[]; futureApplied?: FutureMigration[] }
  | {
      kind: "migration-failed";
      at: StatementLocation;
      progress: MigrationProgress;
      database: DatabaseErrorFields;
      missingExtension?: string;
    }
  /**
   * The runner's transaction was ended by the migration (a COMMIT or ROLLBACK it could not see);
   * `at` and `detail` name the statement that then failed, when that is how it was found.
   */
  | {
      kind: "transaction-ended";
      tag: string;
      file: string;
      progress: MigrationProgress;
      at?: StatementLocation;
      detail?: string;
    }
  /**
   * `drizzle.__drizzle_migrations` is not Drizzle's table (`relkind` and `columns` say what it is),
   * or the session may not read it (`user`, `database`).
   */
  | {
      kind: "bookkeeping-unusable";
      relkind?: string;
      columns?: string[];
      user?: string;
      database?: DatabaseErrorFields;
    }
  /** Every statement ran, then the database refused the migration's bookkeeping row. */
  | { kind: "record-failed"; tag: string; file: string; progress: MigrationProgress; database: DatabaseErrorFields }
  /** Every statement and the row ran, then the COMMIT failed (a deferred constraint or trigger): rolled back. */
  | { kind: "commit-failed"; tag: string; file: string; progress: MigrationProgress; database: DatabaseErrorFields }
  | { kind: "invalid-index"; tag: string; file: string; indexes: string[]; progress: MigrationProgress }
  | {
      kind: "lock-timeout";
      at: StatementLocation;
      progress: MigrationProgress;
      attempts: number;
      lockTimeoutMs: number;
      database: DatabaseErrorFields;
    }
  /**
   * The connection dropped: while applying `tag` (with `progress`), or, without them, outside any
   * migration (waiting for the lock, reading the history, between migrations) after this run
   * applied `applied`.
   */
  | {
      kind: "connection-lost";
      tag?: string;
      at?: StatementLocation;
      progress?: MigrationProgress;
      applied?: string[];
      /** The connection dropped while COMMIT was on its way: the migration may or may not be recorded. */
      duringCommit: boolean;
      detail: string;
    }
  /**
   * A signal stopped the run: while applying `tag` (with `progress`), or between migrations, or
   * while waiting for the migrator's lock. `applied`: the migrations this run applied and recorded
   * before it (they stay).
   */
  | {
      kind: "interrupted";
      signal: string;
      tag?: string;
      at?: StatementLocation;
      progress?: MigrationProgress;
      applied?: string[];
    }
  | { kind: "runner-busy"; waitedMs: number; lockKey: string }
  /** A query of the run reached another server process than the one holding its lock and settings (a transaction-mode pooler). */
  | {
      kind: "session-moved";
      lockHolderPid: number;
      backendPid: number;
      tag?: string;
      file?: string;
      progress?: MigrationProgress;
    }
  /**
   * The run's session no longer held the migrator's advisory lock when it checked (before each
   * migration's statements, each statement of a statement-by-statement one, and each row): a
   * migration or another client on the same server connection released it.
   */
  | { kind: "lock-lost"; tag: string; file: string; progress: MigrationProgress; backendPid: number; lockKey: string }
  | {
      kind: "accept-refused";
      tag: string;
      reason: "not-modified" | "not-an-edit" | "no-history" | "uncommitted" | "line-endings";
      /** The commit of the text the database applied (`line-endings`). */
      commit?: string;
      /** The migration's file (`uncommitted`, `line-endings`). */
      file?: string;
      appliedHash?: string;
      fileHash?: string;
    }
  | { kind: "invalid-option"; option: string; value: string; expected: string };
