/**
 * A fresh, migrated Trovella database for one test file, on the engine the test project chose
 * (`TEST_DATABASE=pglite|postgres`), cloned from a template migrated once per change of the
 * migrations (see `createTestDatabaseFactory`): on the server a `CREATE DATABASE … TEMPLATE`
 * (dropped on close), on PGlite a copy of a migrated data directory, open. A closed PGlite clone
 * is put back into the template's state and handed to the worker's next test file when it then
 * matches the template exactly (`reuse`, pglite-recycle.ts), else removed.
 */
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { type Driver, openPostgresDriver, pgliteDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { createTestDatabaseFactory, type PrepareTarget, type TestDatabaseFactory } from "@repo/migrator/testing";
import { createDatabase, type Database } from "../client.ts";
import { type Connection, openPglite } from "../connection.ts";
import { MIGRATIONS_FOLDER } from "../project.ts";

export { MIGRATIONS_FOLDER };

/** The server tests use; override with TEST_DATABASE_URL. */
export const TEST_SERVER_URL =
  process.env["TEST_DATABASE_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:5433/trovella";

/**
 * TEST_DATABASE_BASE: the database server templates start as a copy of, for a test role that is
 * no superuser (CI's NOSUPERUSER pass): an admin created `vector` there, as on Cloud SQL.
 */
const server = {
  url: TEST_SERVER_URL,
  ...(process.env["TEST_DATABASE_BASE"] ? { baseDatabase: process.env["TEST_DATABASE_BASE"] } : {}),
};

export interface TestDatabase {
  engine: "pglite" | "postgres";
  connection: Connection;
  /** Drizzle over the bare connection (superuser: RLS does not apply). */
  db: Database;
  /** A raw session for catalog queries. */
  driver: Driver;
  /** The embedded database itself (PGlite only), for tools that take a PGlite instance. */
  pglite?: PGlite;
  close(): Promise<void>;
}

/** The engine of the current test project. */
export function testEngine(): "pglite" | "postgres" {
  const engine = process.env["TEST_DATABASE"] ?? "pglite";
  if (engine !== "pglite" && engine !== "postgres")
    throw new Error(`TEST_DATABASE must be pglite or postgres, not ${engine}`);
  return engine;
}

/** Applies Trovella's whole history with the migration runner (the same path as db:migrate). */
async function migrateOrThrow(driver: Driver): Promise<void> {
  const { verification } = await runMigrations(driver, readMigrationFolder(MIGRATIONS_FOLDER));
  if (!verification.ok) throw new Error(`test database migration did not verify: ${JSON.stringify(verification)}`);
}

/**
 * Applies the whole migration history to a fresh database with the runner: the template's
 * prepare step (and the benchmark's replay).
 */
export async function migrateTemplate(target: PrepareTarget): Promise<void> {
  const driver =
    target.engine === "pglite"
      ? pgliteDriver(target.pglite, { target: target.dataDir })
      : await openPostgresDriver(target.url);
  try {
    await migrateOrThrow(driver);
  } finally {
    await driver.close();
  }
}

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The two templates: migrated (the default) and empty (`migrate: false`, for tests of the
 * migration tools themselves; on PGlite it still saves initdb). The inputs include this file, so
 * a change to how the template is prepared builds a new one.
 */
const factories = {
  migrated: createTestDatabaseFactory({
    name: "trovella",
    inputs: { paths: [MIGRATIONS_FOLDER, THIS_FILE], version: "migrated" },
    prepare: migrateTemplate,
    server,
    pglite: { open: openPglite, reuse: true },
  }),
  empty: createTestDatabaseFactory({
    name: "trovella",
    inputs: { paths: [THIS_FILE], version: "empty" },
    prepare: async () => undefined,
    server,
    pglite: { open: openPglite, reuse: true },
  }),
} satisfies Record<string, TestDatabaseFactory>;

/**
 * Creates a fresh database with the whole migration history applied (unless `migrate: false`),
 * on the test project's engine unless `engine` says otherwise. On PGlite it may be an earlier
 * test's, put back into the template's state; `fresh: true` starts a new one, removed on close.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; engine?: "pglite" | "postgres"; fresh?: boolean } = {},
): Promise<TestDatabase> {
  const factory = (options.migrate ?? true) ? factories.migrated : factories.empty;
  const clone = await factory.clone(options.engine ?? testEngine(), { fresh: options.fresh ?? false });
  if (clone.engine === "pglite") {
    const connection: Connection = { kind: "pglite", dataDir: clone.dataDir };
    const handle = createDatabase(connection, { pglite: clone.pglite });
    return {
      engine: "pglite",
      connection,
      db: handle.db,
      driver: pgliteDriver(clone.pglite, { target: clone.dataDir }),
      pglite: clone.pglite,
      close: () => clone.close(),
    };
  }
  const connection: Connection = { kind: "postgres", url: clone.url };
  const handle = createDatabase(connection);
  const driver = await openPostgresDriver(clone.url);
  return {
    engine: "postgres",
    connection,
    db: handle.db,
    driver,
    async close() {
      await driver.close();
      await handle.close();
      await clone.close();
    },
  };
}

/**
 * An embedded-database folder cloned from the template (migrated unless `migrate: false`) that
 * nothing has open: for tests that run a command on it in another process (PGlite is one
 * connection). `remove()` deletes it.
 */
export function createTestDataDir(
  options: { migrate?: boolean } = {},
): Promise<{ dataDir: string; remove(): Promise<void> }> {
  return ((options.migrate ?? true) ? factories.migrated : factories.empty).cloneDataDir();
}
