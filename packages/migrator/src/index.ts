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
