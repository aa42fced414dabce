/**
 * The database of the test project's engine, for a `*.db.test.ts` file whose tests each run in a
 * rolled-back transaction (`withRollback`): the server at TEST_DATABASE_URL under the `postgres`
 * project, a fresh in-memory PGlite (from the shared empty data directory) under `pglite`.
 */
import type { Driver } from "../driver.ts";
import { openEmptyPglite } from "../pglite-empty.ts";
import { pgliteDriver } from "../pglite.ts";
import { openPostgresDriver } from "../postgres.ts";
import { quoteIdent } from "../../sql/quote-ident.ts";
import { TEST_PGLITE_CACHE } from "./empty-pglite-cache.ts";

/** The engine the test project runs on (`TEST_DATABASE`, set by vitest.config.ts). */
export const testEngine: "postgres" | "pglite" = process.env["TEST_DATABASE"] === "postgres" ? "postgres" : "pglite";

/** Opens the test engine's database: the caller closes it. */
export async function openTestEngineDriver(): Promise<Driver> {
  return testEngine === "postgres"
    ? await openPostgresDriver(process.env["TEST_DATABASE_URL"] ?? "")
    : pgliteDriver(await openEmptyPglite({ cacheDir: TEST_PGLITE_CACHE }), { target: "memory" });
}

/** A database of its own on the test engine, and how to be rid of it. */
export interface OwnTestDatabase {
  driver: Driver;
  /** Closes the driver and, on the server, drops the database. */
  close: () => Promise<void>;
}

/**
 * A database of the test engine that nothing else uses, for a test that commits (applies
 * migrations, writes the bookkeeping): on the server a new database named `<prefix>_<pid>_<random>`,
 * on PGlite a fresh in-memory one.
 */
export async function openOwnTestDatabase(prefix: string): Promise<OwnTestDatabase> {
  if (testEngine === "pglite") {
    const driver = await openTestEngineDriver();
    return { driver, close: () => driver.close() };
  }
  const serverUrl = process.env["TEST_DATABASE_URL"] ?? "";
  const database = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await openPostgresDriver(serverUrl);
  await admin.exec(`CREATE DATABASE ${quoteIdent(database)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const driver = await openPostgresDriver(url.toString());
  return {
    driver,
    close: async () => {
      await driver.close();
      await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
      await admin.close();
    },
  };
}
