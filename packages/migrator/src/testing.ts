/**
 * `@repo/migrator/testing`: helpers for a project's tests. Migrated test databases from a template,
 * a test in a rolled-back transaction, commands run in process, comparable catalog snapshots,
 * rows generated for RLS isolation tests, and a generated migration corpus for benchmarks.
 */
export { type CatalogDiff, type CatalogSnapshot, catalogSnapshot, diffCatalogs } from "./catalog/catalog-snapshot.ts";
export { writeCorpus, writeCorpusSnapshots } from "./review/testing/corpus.ts";
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
export { type ColumnModel, type ForeignKeyModel, probeTableModels, type TableModel } from "./rls/table-model.ts";
export { type CapturedRun, runCaptured } from "./testing/run-captured.ts";
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
