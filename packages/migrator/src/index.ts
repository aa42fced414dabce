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
