/**
 * What a database test makes (databases, folders a command opens, scratch copies of the
 * migrations, sessions) and must undo: `testResources()` at the top of a test file registers one
 * `afterEach` that undoes everything the test made, newest first.
 */
import { type Driver, openPostgresDriver, pgliteDriver } from "@repo/migrator";
import { afterEach } from "vitest";
import { openPglite } from "../connection.ts";
import type { CommandEnv } from "./run-command.ts";
import { type ScratchMigrations, scratchMigrations } from "./scratch-migrations.ts";
import { createTestDatabase, createTestDataDir, type TestDatabase, testEngine } from "./test-database.ts";

export interface TestResources {
  /** Runs `undo` after the current test (newest first). */
  later(undo: () => Promise<void> | void): void;
  /** A fresh database (migrated unless `migrate: false`), closed after the test. */
  database(options?: { migrate?: boolean }): Promise<TestDatabase>;
  /** A fresh server database with its URL, for what needs other sessions (server tests only). */
  serverDatabase(options?: { migrate?: boolean }): Promise<TestDatabase & { url: string }>;
  /**
   * A fresh database a command opens itself: a server database (`DATABASE_URL`), or on PGlite
   * (one connection) a database folder nothing holds open (`PGLITE_DATA_DIR`).
   */
  commandTarget(options?: { migrate?: boolean }): Promise<CommandEnv>;
  /** A scratch copy of the migrations folder, cut after migration `idx` when given. */
  scratch(idx?: number): ScratchMigrations;
  /** Another session on a server database (a lock holder, an observer); its close may fail if the test ended it. */
  session(url: string): Promise<Driver>;
}

/** Registers the file's `afterEach` clean-up and returns what a test makes through it. */
export function testResources(): TestResources {
  const undos: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const undo of undos.splice(0).reverse()) await undo();
  });
  const later = (undo: () => Promise<void> | void) => void undos.push(undo);
  const database = async (options: { migrate?: boolean } = {}) => {
    const t = await createTestDatabase(options);
    later(() => t.close());
    return t;
  };
  const serverDatabase = async (options: { migrate?: boolean } = {}) => {
    const t = await database(options);
    if (t.connection.kind !== "postgres") throw new Error("expected a server database (TEST_DATABASE=postgres)");
    return { ...t, url: t.connection.url };
  };
  return {
    later,
    database,
    serverDatabase,
    async commandTarget(options = {}) {
      if (testEngine() === "pglite") {
        const folder = await createTestDataDir(options);
        later(() => folder.remove());
        return { PGLITE_DATA_DIR: folder.dataDir };
      }
      return { DATABASE_URL: (await serverDatabase(options)).url };
    },
    scratch(idx) {
      const s = scratchMigrations(idx);
      later(() => s.remove());
      return s;
    },
    async session(url) {
      const session = await openPostgresDriver(url);
      later(() => session.close().catch(() => undefined));
      return session;
    },
  };
}

/**
 * Runs `fn` on a session of a command target (`commandTarget`), closed afterwards: on PGlite
 * (one process's database) only while no command holds the folder.
 */
export async function inspectTarget<T>(env: CommandEnv, fn: (driver: Driver) => Promise<T>): Promise<T> {
  const driver = env.DATABASE_URL
    ? await openPostgresDriver(env.DATABASE_URL)
    : pgliteDriver(await openPglite(env.PGLITE_DATA_DIR!), { target: env.PGLITE_DATA_DIR!, owned: true });
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}
