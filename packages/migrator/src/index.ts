export {
  type DatabaseErrorFields,
  type Driver,
  databaseErrorFields,
  redactUrl,
  scrubPassword,
} from "./drivers/driver.ts";
export { ConnectionError, openPostgresDriver } from "./drivers/postgres.ts";
export { pgliteDriver } from "./drivers/pglite.ts";
export {
  type MigrationStatement,
  NO_TRANSACTION_DIRECTIVE,
  runsOutsideTransaction,
  STATEMENT_BREAKPOINT,
  splitStatements,
} from "./sql/statements.ts";
export { quoteIdent } from "./sql/quote-ident.ts";
export { callsSettingPerRow } from "./sql/setting-calls.ts";
export { type RlsCommand, RLS_COMMANDS, type RlsConfig } from "./rls/rls-config.ts";
export {
  catalogTenantTables,
  type PolicyInfo,
  probeRlsCatalog,
  type ReadableTableInfo,
  type RlsCatalog,
  type RoleInfo,
  type TenantTableInfo,
} from "./rls/catalog-probe.ts";
export { buildCoverageMatrix, type CoverageMatrix, type CoverageRow, type RlsFinding } from "./rls/coverage-matrix.ts";
export { formatCoverageMatrix } from "./rls/format-coverage-matrix.ts";
export { discoverTenantTables, TenantTableMismatchError } from "./rls/tenant-table-discovery.ts";
export { type ColumnModel, type ForeignKeyModel, probeTableModels, type TableModel } from "./rls/table-model.ts";
export {
  createFixtureGenerator,
  type FixtureGenerator,
  type FixtureRow,
  type FixtureStatement,
  type FixtureValue,
  IsolationFixtureError,
  type RowStatements,
  rowStatements,
} from "./rls/isolation-fixtures.ts";
export { type CoverageReport, coverageReport, RLS_EXIT } from "./rls/coverage-report.ts";
export { DATA_LOSS_MARKER } from "./revert/data-loss.ts";
export { REVERT_TODO_MARKER, type RevertStatement, type RevertTodo } from "./revert/manual-sql.ts";
export {
  type DataLossItem,
  planRevert,
  type RevertOptions,
  type RevertPlan,
  type SchemaChange,
  writeRevert,
} from "./revert/plan-revert.ts";
export { type RevertConflict, RevertError, type RevertErrorCode } from "./revert/revert-error.ts";
export { type CatalogDiff, type CatalogSnapshot, catalogSnapshot, diffCatalogs } from "./catalog/catalog-snapshot.ts";
export { markDatabaseEnvironmentSql, readDatabaseEnvironment, type SqlRows } from "./seed/database-environment.ts";
export {
  planSeed,
  type ResolvedSeedEnvironment,
  resolveSeedEnvironment,
  type RunSeedOptions,
  runSeed,
  type SeedPlan,
  type SeedReport,
  type SeedTierResult,
} from "./seed/run-seed.ts";
export { SeedError, type SeedErrorCode, type SeedErrorData } from "./seed/seed-error.ts";
export {
  ALL_ENVIRONMENTS,
  NON_PRODUCTION_ENVIRONMENTS,
  type SeedEnvironment,
  type SeedTier,
} from "./seed/seed-tier.ts";
export { type SeedTableCount, sumCounts, tableCount } from "./seed/table-count.ts";
export { MigratorError } from "./errors/migrator-error.ts";
export type {
  MigratorProblem,
  ModifiedMigration,
  OutOfOrderMigration,
  StatementLocation,
  UnknownMigration,
} from "./errors/migrator-problem.ts";
export { migrationHash } from "./journal/file-hash.ts";
export { describeFolderIssue, type FolderIssue } from "./journal/folder-issue.ts";
export { type Migration, type MigrationFolder, readMigrationFolder } from "./journal/migration-folder.ts";
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
export * from "./review/index.ts";
export { type OpenPglite } from "./testing/pglite-template.ts";
export { TemplateBuildError } from "./testing/template-build-error.ts";
export { type TemplateInputs, templateFingerprint } from "./testing/template-fingerprint.ts";
export {
  createTestDatabaseFactory,
  type PrepareTarget,
  type TestDatabaseClone,
  type TestDatabaseFactory,
  type TestDatabaseFactoryOptions,
  type TestEngine,
} from "./testing/test-database-factory.ts";
export { type Transactional, withRollback } from "./testing/with-rollback.ts";
