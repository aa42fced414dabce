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
export {
  markDatabaseEnvironmentSql,
  readDatabaseEnvironment,
  type SqlRows,
} from "./seed/database-environment.ts";
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
export { ALL_ENVIRONMENTS, NON_PRODUCTION_ENVIRONMENTS, type SeedEnvironment, type SeedTier } from "./seed/seed-tier.ts";
export { type SeedTableCount, sumCounts, tableCount } from "./seed/table-count.ts";
