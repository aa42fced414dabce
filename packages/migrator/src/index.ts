export { type DatabaseErrorFields, type Driver, databaseErrorFields, redactUrl, scrubPassword } from "./drivers/driver.ts";
export { ConnectionError, openPostgresDriver } from "./drivers/postgres.ts";
export { pgliteDriver } from "./drivers/pglite.ts";
export {
  type MigrationStatement,
  NO_TRANSACTION_DIRECTIVE,
  runsOutsideTransaction,
  STATEMENT_BREAKPOINT,
  splitStatements,
} from "./sql/statements.ts";
export { MigratorError } from "./errors/migrator-error.ts";
export type { MigratorProblem, ModifiedMigration, OutOfOrderMigration, StatementLocation, UnknownMigration } from "./errors/migrator-problem.ts";
export { migrationHash } from "./journal/file-hash.ts";
export { describeFolderIssue, type FolderIssue } from "./journal/folder-issue.ts";
export { type JournalMigration, type MigrationFolder, readMigrationFolder } from "./journal/read-migration-folder.ts";
export { type AcceptedHash, acceptMigrationHashes } from "./runner/accept-hash.ts";
export { MIGRATOR_LOCK_KEY } from "./runner/advisory-lock.ts";
export type { AppliedMigration, LockRetry } from "./runner/apply-migration.ts";
export { type AppliedRow, BOOKKEEPING_TABLE } from "./runner/bookkeeping.ts";
export type { HistoryState, MigrationState } from "./runner/history-state.ts";
export { migrationStatus } from "./runner/migration-status.ts";
export { type RunEvent, type RunOptions, type RunResult, runMigrations } from "./runner/run-migrations.ts";
export { DEFAULT_SESSION_OPTIONS, type SessionOptions } from "./runner/session-options.ts";
export { type VerifyResult, verifyMigrations } from "./verify/verify-migrations.ts";
export { acceptHashCommand } from "./cli/accept-hash-command.ts";
export type { CommandDefaults } from "./cli/command-setup.ts";
export { EXIT } from "./cli/exit-codes.ts";
export { migrateCommand } from "./cli/migrate-command.ts";
export { statusCommand } from "./cli/status-command.ts";
export { verifyCommand } from "./cli/verify-command.ts";
