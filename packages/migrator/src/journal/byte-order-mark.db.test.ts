/**
 * A migration saved with a UTF-8 byte order mark, on the engine of the test project: PostgreSQL
 * refuses a statement that starts with one (what drizzle-orm's migrator sends), so the runner
 * leaves it out of the SQL.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../drivers/driver.ts";
import { openEmptyPglite } from "../drivers/pglite-empty.ts";
import { pgliteDriver } from "../drivers/pglite.ts";
import { openPostgresDriver } from "../drivers/postgres.ts";
import { TEST_PGLITE_CACHE } from "../drivers/testing/empty-pglite-cache.ts";
import { readAppliedRows } from "../runner/bookkeeping.ts";
import { runMigrations } from "../runner/run-migrations.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { withRollback } from "../testing/with-rollback.ts";
import { migrationHash } from "./file-hash.ts";
import { readMigrationFolder } from "./migration-folder.ts";

const engine = process.env["TEST_DATABASE"] === "postgres" ? "postgres" : "pglite";
const serverUrl = process.env["TEST_DATABASE_URL"] ?? "";
const BOM = "\uFEFF";

let driver: Driver;
let admin: Driver | undefined;
const database = `bom_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
let folder: string;

beforeAll(async () => {
  if (engine === "postgres") {
    admin = await openPostgresDriver(serverUrl);
    await admin.exec(`CREATE DATABASE ${quoteIdent(database)}`);
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    driver = await openPostgresDriver(url.toString());
  } else {
    driver = pgliteDriver(await openEmptyPglite({ cacheDir: TEST_PGLITE_CACHE }), { target: "memory" });
  }
  folder = mkdtempSync(join(tmpdir(), "byte-order-mark-"));
  mkdirSync(join(folder, "meta"));
  writeFileSync(join(folder, "0000_bom.sql"), `${BOM}CREATE TABLE saved_with_bom (id int);`);
  const entry = { idx: 0, version: "7", when: 1_790_000_000_000, tag: "0000_bom", breakpoints: true };
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries: [entry] }),
  );
});

afterAll(async () => {
  await driver?.close();
  if (admin) {
    await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    await admin.close();
  }
  rmSync(folder, { recursive: true, force: true });
});

describe("a migration that starts with a UTF-8 byte order mark", () => {
  it("is refused by PostgreSQL as drizzle-orm's migrator sends it, mark included", async () => {
    const [sent] = readMigrationFiles({ migrationsFolder: folder })[0]!.sql;
    expect(sent?.startsWith(BOM)).toBe(true);
    await expect(withRollback(driver, (tx) => tx.exec(sent!))).rejects.toThrow(/syntax error/);
  });

  it("applies with the runner, which leaves the mark out of the SQL and of the hash it records (as it always did)", async () => {
    const run = await runMigrations(driver, readMigrationFolder(folder));
    expect(run.verification.ok).toBe(true);
    const [table] = await driver.query<{ found: string | null }>(
      "SELECT to_regclass('public.saved_with_bom')::text AS found",
    );
    expect(table?.found).toBe("saved_with_bom");
    const rows = await readAppliedRows(driver);
    expect(rows.map((r) => r.hash)).toEqual([migrationHash("CREATE TABLE saved_with_bom (id int);")]);
  });
});
