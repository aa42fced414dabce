/**
 * A fresh, migrated Trovella database for one test file, on the engine the test project chose
 * (`TEST_DATABASE=pglite|postgres`). On the server it is a new database (dropped on close); on
 * PGlite a temporary folder (removed on close).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { type Driver, openPostgresDriver, pgliteDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { createDatabase, type Database } from "../client.ts";
import { type Connection, openPglite } from "../connection.ts";
import { MIGRATIONS_FOLDER } from "../migrations-folder.ts";

export { MIGRATIONS_FOLDER };

/** The server tests use; override with TEST_DATABASE_URL. */
export const TEST_SERVER_URL =
  process.env["TEST_DATABASE_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:5433/trovella";

export interface TestDatabase {
  engine: "pglite" | "postgres";
  connection: Connection;
  /** Drizzle over the bare connection (superuser: RLS does not apply). */
  db: Database;
  /** A raw session for catalog queries. */
  driver: Driver;
  close(): Promise<void>;
}

/** The engine of the current test project. */
export function testEngine(): "pglite" | "postgres" {
  const engine = process.env["TEST_DATABASE"] ?? "pglite";
  if (engine !== "pglite" && engine !== "postgres")
    throw new Error(`TEST_DATABASE must be pglite or postgres, not ${engine}`);
  return engine;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Applies Trovella's whole history with the migration runner (the same path as db:migrate). */
async function migrateOrThrow(driver: Driver): Promise<void> {
  const { verification } = await runMigrations(driver, readMigrationFolder(MIGRATIONS_FOLDER));
  if (!verification.ok) throw new Error(`test database migration did not verify: ${JSON.stringify(verification)}`);
}

/** Creates a fresh database with the whole migration history applied (unless `migrate: false`). */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (testEngine() === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "trovella-test-"));
    const pglite: PGlite = await openPglite(dataDir);
    const connection: Connection = { kind: "pglite", dataDir };
    const handle = createDatabase(connection, { pglite });
    const driver = pgliteDriver(pglite, { target: dataDir });
    if (migrate) await migrateOrThrow(driver);
    return {
      engine: "pglite",
      connection,
      db: handle.db,
      driver,
      async close() {
        await pglite.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `trovella_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await openPostgresDriver(TEST_SERVER_URL);
  try {
    await admin.exec(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(TEST_SERVER_URL, name);
  const connection: Connection = { kind: "postgres", url };
  const handle = createDatabase(connection);
  const driver = await openPostgresDriver(url);
  if (migrate) await migrateOrThrow(driver);
  return {
    engine: "postgres",
    connection,
    db: handle.db,
    driver,
    async close() {
      await driver.close();
      await handle.close();
      const dropper = await openPostgresDriver(TEST_SERVER_URL);
      try {
        await dropper.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.close();
      }
    },
  };
}
