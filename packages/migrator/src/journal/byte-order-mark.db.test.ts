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
import { openOwnTestDatabase, type OwnTestDatabase } from "../drivers/testing/test-engine-driver.ts";
import { readAppliedRows } from "../runner/bookkeeping.ts";
import { runMigrations } from "../runner/run-migrations.ts";
import { withRollback } from "../testing/with-rollback.ts";
import { migrationHash } from "./file-hash.ts";
import { readMigrationFolder } from "./migration-folder.ts";

const BOM = "\uFEFF";

let database: OwnTestDatabase;
let driver: Driver;
let folder: string;

beforeAll(async () => {
  database = await openOwnTestDatabase("bom");
  driver = database.driver;
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
  await database?.close();
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
