/**
 * Where the production marker may be set, and that a session's own value never hides a marker
 * set below it: on a real (embedded) PostgreSQL, whose session may say anything.
 */
import type { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { openEmptyPglite } from "../drivers/pglite-empty.ts";
import { TEST_PGLITE_CACHE } from "../drivers/testing/empty-pglite-cache.ts";
import { readDatabaseEnvironment } from "./database-environment.ts";

let db: PGlite | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

async function session(): Promise<PGlite> {
  db = await openEmptyPglite({ cacheDir: TEST_PGLITE_CACHE });
  return db;
}

const environmentOf = (pglite: PGlite) =>
  readDatabaseEnvironment(async (sql) => (await pglite.query<Record<string, unknown>>(sql)).rows);

describe("readDatabaseEnvironment", () => {
  it("finds a marker in the server's configuration (ALTER SYSTEM) though the session says development", async () => {
    const pglite = await session();
    await pglite.exec("ALTER SYSTEM SET app.environment = 'production'");
    await pglite.exec("SET app.environment = 'development'"); // as a client's -c app.environment=… does
    expect(await environmentOf(pglite)).toBe("production");
  });

  it("reads an unmarked database as unmarked, and a session's own value when nothing is stored", async () => {
    const pglite = await session();
    expect(await environmentOf(pglite)).toBeNull();
    await pglite.exec("SET app.environment = 'staging'");
    expect(await environmentOf(pglite)).toBe("staging");
  });
});
