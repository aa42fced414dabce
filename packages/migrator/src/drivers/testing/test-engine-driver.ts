/**
 * The database of the test project's engine, for a `*.db.test.ts` file whose tests each run in a
 * rolled-back transaction (`withRollback`): the server at TEST_DATABASE_URL under the `postgres`
 * project, a fresh in-memory PGlite (from the shared empty data directory) under `pglite`.
 */
import type { Driver } from "../driver.ts";
import { openEmptyPglite } from "../pglite-empty.ts";
import { pgliteDriver } from "../pglite.ts";
import { openPostgresDriver } from "../postgres.ts";
import { TEST_PGLITE_CACHE } from "./empty-pglite-cache.ts";

/** The engine the test project runs on (`TEST_DATABASE`, set by vitest.config.ts). */
export const testEngine: "postgres" | "pglite" = process.env["TEST_DATABASE"] === "postgres" ? "postgres" : "pglite";

/** Opens the test engine's database: the caller closes it. */
export async function openTestEngineDriver(): Promise<Driver> {
  return testEngine === "postgres"
    ? await openPostgresDriver(process.env["TEST_DATABASE_URL"] ?? "")
    : pgliteDriver(await openEmptyPglite({ cacheDir: TEST_PGLITE_CACHE }), { target: "memory" });
}
