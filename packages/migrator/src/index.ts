/**
 * `@repo/migrator`: a migration toolkit for any Drizzle Kit + PostgreSQL project. This entry holds
 * what a project calls: the folder reader, the runner and its read-only checks, the review, the
 * revert, the RLS probe, the seed orchestrator, and the commands built on them. Test helpers are
 * in `@repo/migrator/testing`.
 */
export { ConnectionError, type ConnectionFailure } from "./drivers/connection-error.ts";
export { type Driver, redactUrl } from "./drivers/driver.ts";
export { pgliteDriver } from "./drivers/pglite.ts";
export { openEmptyPglite } from "./drivers/pglite-empty.ts";
export { openPgliteFolder } from "./drivers/pglite-folder.ts";
export { lockPgliteFolder, type PgliteFolderLock } from "./drivers/pglite-folder-lock.ts";
export { openPostgresDriver } from "./drivers/postgres.ts";
export { errorMessage } from "./errors/error-message.ts";
export { MigratorError } from "./errors/migrator-error.ts";
export { RunnerError } from "./errors/runner-error.ts";
export type { RunnerProblem } from "./errors/runner-problem.ts";

export { type BaseComparison, compareWithBase, type HistoryEdit } from "./history/base-check.ts";
export { GitHistoryError } from "./history/folder-at.ts";

export { migrationHash } from "./journal/file-hash.ts";
export { findMigration } from "./journal/find-migration.ts";
export { describeFolderIssue, type FolderIssue } from "./journal/folder-issue.ts";
export {
  folderSnapshotWarnings,
  type Migration,
  type MigrationFolder,
  readMigrationFolder,
} from "./journal/migration-folder.ts";
export { NO_TRANSACTION_DIRECTIVE, STATEMENT_BREAKPOINT, splitStatements } from "./sql/statements.ts";

export { type AcceptedHash, acceptMigrationHashes } from "./runner/accept-hash.ts";
export { MIGRATOR_LOCK_KEY, tryAdvisoryLockSql, waitForAdvisoryLock } from "./runner/advisory-lock.ts";
export type { AppliedMigration, LockRetry } from "./runner/apply-migration.ts";
export type { HistoryState, MigrationState } from "./runner/history-state.ts";
export { migrationStatus } from "./runner/migration-status.ts";
export { type RunEvent, type RunOptions, type RunResult, runMigrations } from "./runner/run-migrations.ts";
export type { SessionOptions } from "./runner/session-options.ts";
export { type VerifyResult, verifyMigrations } from "./verify/verify-migrations.ts";

export { type Baseline, BaselineFileError } from "./review/baseline.ts";
export { type ReviewConfig, ReviewConfigError } from "./review/config.ts";
export type { Finding, Severity } from "./review/finding.ts";
export { FORMATS, type Format, formatFindings } from "./review/formats.ts";
export { type LiveReview, type LiveReviewOptions, liveReview } from "./review/live-review.ts";
export { embeddedLiveDatabase, type LiveDatabase, serverLiveDatabase } from "./review/live/live-database.ts";
export { formatLockReport } from "./review/live/lock-report.ts";
export type { MigrationEvidence, StatementEvidence } from "./review/live/measure-migration.ts";
export { type CacheStats, ReviewCache, reviewCacheDir } from "./review/review-cache.ts";
export { readBaseline, readReviewConfig, writeBaseline } from "./review/review-files.ts";
export type { MigrationSource } from "./review/migration-source.ts";
export { type ReviewOptions, reviewMigrations } from "./review/review-migrations.ts";
export { reviewSources } from "./review/review-sources.ts";
export { renderRuleDocs } from "./review/rule-docs.ts";
export { ReviewTimings, type TimingsReport } from "./review/review-timings.ts";
export { type ReviewRun, type RunReviewOptions, runReview } from "./review/run-review.ts";

export { planRebase, type RebaseOptions, type RebasePlan, writeRebase } from "./rebase/plan-rebase.ts";
export { type RebaseConflict, RebaseError, type RebaseErrorCode } from "./rebase/rebase-error.ts";
export { OutOfOrderConflictError } from "./runner/out-of-order-check.ts";

export { DATA_LOSS_MARKER } from "./revert/data-loss.ts";
export { REVERT_TODO_MARKER } from "./revert/manual-sql.ts";
export { planRevert, type RevertOptions, type RevertPlan, writeRevert } from "./revert/plan-revert.ts";
export { type RevertConflict, RevertError, type RevertErrorCode } from "./revert/revert-error.ts";
export {
  upgradeLayout,
  UpgradeLayoutError,
  type UpgradeLayoutOptions,
  type UpgradeLayoutReport,
} from "./upgrade/upgrade-layout.ts";

export { probeRlsCatalog, type RelationInfo, type RlsCatalog } from "./rls/catalog-probe.ts";
export { buildCoverageMatrix, type CoverageMatrix, type RlsFinding, type RlsWarning } from "./rls/coverage-matrix.ts";
export { type CoverageReport, coverageReport } from "./rls/coverage-report.ts";
export type { RlsConfig } from "./rls/rls-config.ts";
export { discoverTenantTables, TenantTableMismatchError } from "./rls/tenant-table-discovery.ts";
export { callsSettingPerRow } from "./sql/setting-calls.ts";
export { quoteIdent } from "./sql/quote-ident.ts";

export { markDatabaseEnvironmentSql, readDatabaseEnvironment } from "./seed/database-environment.ts";
export { runSeed, type SeedReport, seedInterrupted } from "./seed/run-seed.ts";
export { SeedError, type SeedErrorCode } from "./seed/seed-error.ts";
export { ALL_ENVIRONMENTS, NON_PRODUCTION_ENVIRONMENTS, type SeedTier } from "./seed/seed-tier.ts";
export { type SeedTableCount, sumCounts, tableCount } from "./seed/table-count.ts";

export { acceptHashCommand } from "./cli/accept-hash-command.ts";
export { type CommandContext, processContext } from "./cli/command-context.ts";
export { EXIT, type ExitCode } from "./cli/exit-codes.ts";
export { migrateCommand } from "./cli/migrate-command.ts";
export type { Project, ProjectReview, ProjectSeed } from "./cli/project.ts";
export { rebaseCommand } from "./cli/rebase-command.ts";
export { revertCommand } from "./cli/revert-command.ts";
export { reviewCommand } from "./cli/review-command.ts";
export { rlsCommand } from "./cli/rls-command.ts";
export { type CommandFactory, main, runCommand } from "./cli/run-command.ts";
export { seedCommand } from "./cli/seed-command.ts";
export { statusCommand } from "./cli/status-command.ts";
export { upgradeLayoutCommand } from "./cli/upgrade-layout-command.ts";
export { verifyCommand } from "./cli/verify-command.ts";
