/**
 * A revert written by `db:revert` into Trovella's history converted by `drizzle-kit up`, applied by
 * our runner and by drizzle-orm 1.0's migrator, on the engine of the test project: the catalog is
 * the one the history has without the reverted migration, and both migrators agree on what ran.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planRevert, readMigrationFolder, runMigrations, verifyMigrations, writeRevert } from "@repo/migrator";
import { type CatalogSnapshot, catalogSnapshot } from "@repo/migrator/testing";
import { type TestDatabase } from "@repo/db/testing";
import { type ScratchMigrations, scratchMigrations } from "@repo/db/testing/scratch-migrations";
import { drizzleMigrate1, legacyAndUpgraded } from "./upgraded-history.ts";
import { testResources } from "@repo/db/testing/test-resources";

/**
 * The history as far as 0010: drizzle-orm's migrator runs every pending migration in one
 * transaction, so it cannot apply 0011's CREATE INDEX CONCURRENTLY (shared-bookkeeping.db.test.ts).
 */
const BOTH_MIGRATORS_UP_TO = 10;

let source: ScratchMigrations;
let histories: ReturnType<typeof legacyAndUpgraded>;
let names: string[];
beforeAll(() => {
  source = scratchMigrations(BOTH_MIGRATORS_UP_TO);
  histories = legacyAndUpgraded(source.dir);
  names = readMigrationFolder(histories.upgraded.migrations).migrations.map((m) => m.name);
});
afterAll(() => {
  histories?.remove();
  source?.remove();
});

const resources = testResources();

const fresh = () => resources.database({ migrate: false });

/** A copy of the converted folder in its project (where Drizzle Kit 1.0 is installed), without some migrations. */
function copy(without: string[] = []): string {
  const dir = mkdtempSync(join(histories.upgraded.root, "copy-"));
  cpSync(histories.upgraded.migrations, dir, { recursive: true });
  for (const name of without) rmSync(join(dir, name), { recursive: true });
  resources.later(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** drizzle-orm 1.0's migrator on the test database. */
function theirs(t: TestDatabase, folder: string): Promise<void> {
  if (t.pglite) return drizzleMigrate1({ pglite: t.pglite }, folder);
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  return drizzleMigrate1({ url: t.connection.url }, folder);
}

async function ours(t: TestDatabase, folder: string): Promise<string[]> {
  const result = await runMigrations(t.driver, readMigrationFolder(folder));
  expect(result.verification.ok).toBe(true);
  return result.applied.map((m) => m.tag);
}

/** The catalog of a fresh database migrated (by our runner) with `folder`. */
async function catalogOf(folder: string): Promise<CatalogSnapshot> {
  const t = await fresh();
  await ours(t, folder);
  return catalogSnapshot(t.driver);
}

describe("a revert in the 1.0 layout, applied by both migrators", () => {
  it("of the last migration: the catalog before it, then nothing left to do for either migrator", async () => {
    const last = names.at(-1) ?? "";
    const expected = await catalogOf(copy([last]));
    const folder = copy();
    const plan = await planRevert({ folder });
    writeRevert(plan);
    const revert = plan.migration.entry.tag;

    const a = await fresh();
    expect(await ours(a, folder)).toEqual([...names, revert]);
    expect(await catalogSnapshot(a.driver)).toEqual(expected);
    await theirs(a, folder);
    expect(await catalogSnapshot(a.driver)).toEqual(expected);

    const b = await fresh();
    await theirs(b, folder);
    expect(await catalogSnapshot(b.driver)).toEqual(expected);
    expect(await ours(b, folder)).toEqual([]);
    expect((await verifyMigrations(b.driver, readMigrationFolder(folder))).ok).toBe(true);
  });

  it("of an earlier migration (0005): the catalog of the history without it", async () => {
    const target = names[5] ?? "";
    const expected = await catalogOf(copy([target]));
    const folder = copy();
    const plan = await planRevert({ folder, tag: target });
    expect(plan.wasLast).toBe(false);
    writeRevert(plan);

    const a = await fresh();
    await ours(a, folder);
    expect(await catalogSnapshot(a.driver)).toEqual(expected);

    const b = await fresh();
    await theirs(b, folder);
    expect(await catalogSnapshot(b.driver)).toEqual(expected);
    expect(await ours(b, folder)).toEqual([]);
  });
});
