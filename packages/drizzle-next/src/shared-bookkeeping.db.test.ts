/**
 * Drizzle Kit 1.0's folder layout and drizzle-orm 1.0's bookkeeping, with the pinned release
 * candidates, on the engine of the test project. A team upgrading runs both migrators for a while:
 * in any interleaving, no migration is applied twice and `verifyMigrations` passes.
 */
import { readMigrationFolder, runMigrations, verifyMigrations } from "@repo/migrator";
import { MIGRATIONS_FOLDER, type TestDatabase } from "@repo/db/testing";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addFolderMigration, drizzleMigrate1, projectWith, upgradedFolder } from "./upgraded-history.ts";
import { testResources } from "@repo/db/testing/test-resources";

const resources = testResources();

const fresh = () => resources.database({ migrate: false });

/**
 * Trovella's history as a 0.x folder and, converted by `drizzle-kit up`, as a 1.0 folder; with
 * `upTo`, only the migrations as far as that one.
 */
function histories(upTo?: number): { legacy: string; upgraded: string } {
  const source = upTo === undefined ? MIGRATIONS_FOLDER : resources.scratch(upTo).dir;
  const legacy = projectWith(source);
  const upgraded = projectWith(upgradedFolder(source));
  resources.later(legacy.remove);
  resources.later(upgraded.remove);
  return { legacy: legacy.migrations, upgraded: upgraded.migrations };
}

/** The last migration drizzle-orm's migrator can apply: 0011 builds an index CONCURRENTLY, outside a transaction. */
const BEFORE_NO_TRANSACTION = 10;

/** drizzle-orm 1.0's migrator on the test database. */
function theirs(t: TestDatabase, folder: string): Promise<void> {
  if (t.pglite) return drizzleMigrate1({ pglite: t.pglite }, folder);
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  return drizzleMigrate1({ url: t.connection.url }, folder);
}

/** A new migration that counts how often it ran. */
const COUNTED =
  'CREATE TABLE IF NOT EXISTS "runs" ("n" integer);\n--> statement-breakpoint\nINSERT INTO "runs" VALUES (1);';

async function ranTimes(t: TestDatabase): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM runs");
  return row!.n;
}

async function rows(t: TestDatabase): Promise<{ name: string | null; hash: string }[]> {
  return t.driver.query("SELECT name, hash FROM drizzle.__drizzle_migrations ORDER BY id");
}

describe("Drizzle Kit 1.0's layout, read by the one reader", () => {
  it("drizzle-kit up keeps every migration's SQL byte for byte: same hashes, and the names drizzle-orm 1.0 records", () => {
    const { legacy, upgraded } = histories();
    const before = readMigrationFolder(legacy);
    const after = readMigrationFolder(upgraded);
    expect(after.layout).toBe("folders");
    expect(after.warnings).toEqual([]);
    expect(after.migrations.map((m) => [m.tag, m.hash])).toEqual(before.migrations.map((m) => [m.name, m.hash]));
    expect(after.migrations.map((m) => m.when)).toEqual(before.migrations.map((m) => Math.floor(m.when / 1000) * 1000));
  });
});

describe("one bookkeeping table both migrators agree on", () => {
  it("ours (0.x), then theirs (1.0) on the converted folder, then ours with a new migration, then theirs: nothing runs twice", async () => {
    const t = await fresh();
    const { legacy, upgraded } = histories();
    const count = readMigrationFolder(legacy).migrations.length;
    expect((await runMigrations(t.driver, readMigrationFolder(legacy))).applied).toHaveLength(count);
    await theirs(t, upgraded);
    const backfilled = await rows(t);
    expect(backfilled).toHaveLength(count);
    expect(backfilled.map((r) => r.name)).toEqual(readMigrationFolder(upgraded).migrations.map((m) => m.name));

    const added = addFolderMigration(upgraded, "counted", new Date(), COUNTED);
    const ours = await runMigrations(t.driver, readMigrationFolder(upgraded));
    expect(ours.applied.map((m) => m.tag)).toEqual([added]);
    expect((await rows(t)).at(-1)?.name).toBe(added);
    await theirs(t, upgraded);
    expect(await ranTimes(t)).toBe(1);
    expect(await rows(t)).toHaveLength(count + 1);
    expect((await verifyMigrations(t.driver, readMigrationFolder(upgraded))).ok).toBe(true);
  });

  it("theirs first (as far as 0010), then ours (0011, outside a transaction), then theirs, then ours: each finds nothing to do that the other did", async () => {
    const t = await fresh();
    const before = histories(BEFORE_NO_TRANSACTION);
    const { upgraded } = histories();
    await theirs(t, before.upgraded);
    const rest = await runMigrations(t.driver, readMigrationFolder(upgraded));
    expect(rest.applied.map((m) => m.tag)).toEqual(
      readMigrationFolder(upgraded)
        .migrations.slice(BEFORE_NO_TRANSACTION + 1)
        .map((m) => m.tag),
    );
    expect(rest.verification.ok).toBe(true);
    await theirs(t, upgraded);
    expect((await runMigrations(t.driver, readMigrationFolder(upgraded))).applied).toEqual([]);

    const added = addFolderMigration(upgraded, "counted", new Date(), COUNTED);
    expect((await runMigrations(t.driver, readMigrationFolder(upgraded))).applied.map((m) => m.tag)).toEqual([added]);
    await theirs(t, upgraded);
    expect(await ranTimes(t)).toBe(1);
    const again = await runMigrations(t.driver, readMigrationFolder(upgraded));
    expect(again.applied).toEqual([]);
    expect(again.verification.ok).toBe(true);
  });

  it("theirs cannot apply a no-transaction migration: every pending migration runs in its one transaction, 0011's CREATE INDEX CONCURRENTLY fails it, and nothing is kept", async () => {
    const t = await fresh();
    const { upgraded } = histories();
    const failure = await theirs(t, upgraded).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String((failure as { cause?: unknown } | undefined)?.cause)).toMatch(
      /CREATE INDEX CONCURRENTLY cannot run inside a transaction block/,
    );
    const [kept] = await t.driver.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'organization' AND relkind = 'r'",
    );
    expect(kept?.n).toBe(0);
    const ours = await runMigrations(t.driver, readMigrationFolder(upgraded));
    expect(ours.applied).toHaveLength(readMigrationFolder(upgraded).migrations.length);
    expect(ours.verification.ok).toBe(true);
  });

  it("a 0.x table meets a 1.0 folder in our runner: it is upgraded with every row's name, so drizzle-orm 1.0 re-runs nothing", async () => {
    const t = await fresh();
    const { legacy, upgraded } = histories();
    await runMigrations(t.driver, readMigrationFolder(legacy));
    expect(
      await t.driver.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = '__drizzle_migrations' AND column_name = 'name'",
      ),
    ).toEqual([]);
    const added = addFolderMigration(upgraded, "counted", new Date(), COUNTED);
    const ours = await runMigrations(t.driver, readMigrationFolder(upgraded));
    expect(ours.applied.map((m) => m.tag)).toEqual([added]);
    expect((await rows(t)).every((r) => r.name !== null)).toBe(true);
    await theirs(t, upgraded);
    expect(await ranTimes(t)).toBe(1);
    expect((await verifyMigrations(t.driver, readMigrationFolder(upgraded))).ok).toBe(true);
  });

  it("a run refused before applying anything leaves the table as it was: no 1.0 columns, no names; on an empty database, no table", async () => {
    const t = await fresh();
    const { legacy, upgraded } = histories(3);
    await runMigrations(t.driver, readMigrationFolder(legacy));
    const table = () => t.driver.query("SELECT * FROM drizzle.__drizzle_migrations ORDER BY id");
    const before = await table();
    addFolderMigration(
      upgraded,
      "commits",
      new Date(),
      'CREATE TABLE "c" ("n" integer);\n--> statement-breakpoint\nCOMMIT;',
    );
    const refused = { problem: { kind: "transaction-control" } };
    await expect(runMigrations(t.driver, readMigrationFolder(upgraded))).rejects.toMatchObject(refused);
    expect(await table()).toEqual(before);
    expect(Object.keys(before[0] ?? {})).toEqual(["id", "hash", "created_at"]);

    const empty = await fresh();
    await expect(runMigrations(empty.driver, readMigrationFolder(upgraded))).rejects.toMatchObject(refused);
    expect(await empty.driver.query("SELECT nspname FROM pg_namespace WHERE nspname = 'drizzle'")).toEqual([]);
  });

  it("verify fails when drizzle-orm 1.0 would apply a migration again: its folder renamed after it was applied", async () => {
    const t = await fresh();
    const { upgraded } = histories(3);
    const added = addFolderMigration(upgraded, "counted", new Date(), COUNTED);
    await runMigrations(t.driver, readMigrationFolder(upgraded));
    const renamed = `${added}_renamed`;
    renameSync(join(upgraded, added), join(upgraded, renamed));
    const folder = readMigrationFolder(upgraded);
    // Our runner finds it by its SQL's hash: applied, nothing to do.
    expect((await runMigrations(t.driver, folder)).applied).toEqual([]);
    const verify = await verifyMigrations(t.driver, folder);
    expect(verify.ok).toBe(false);
    expect(verify.rerunByDrizzle).toEqual([
      {
        tag: renamed,
        id: 5,
        reason: `no row has its name (its row's is ${JSON.stringify(added)}), and drizzle-orm 1.0 decides by name`,
      },
    ]);
    // What verify says is what drizzle-orm 1.0 does: it runs the migration a second time.
    await theirs(t, upgraded);
    expect(await ranTimes(t)).toBe(2);
  });

  it("verify does not fail what drizzle-orm 1.0 would not run again: twins with the same SQL, a table it will name on upgrade", async () => {
    const t = await fresh();
    const { legacy, upgraded } = histories(3);
    // A 0.x table (no name column) read with the converted folder: drizzle-orm 1.0 names its rows first.
    await runMigrations(t.driver, readMigrationFolder(legacy));
    expect((await verifyMigrations(t.driver, readMigrationFolder(upgraded))).rerunByDrizzle).toEqual([]);
    // drizzle-orm 1.0 applies b, then a branch's older twin a with the same SQL: each name has its row.
    const twin = (name: string, day: number) =>
      addFolderMigration(
        upgraded,
        name,
        new Date(Date.UTC(2030, 0, day)),
        'CREATE TABLE IF NOT EXISTS "twin" ("id" integer);',
      );
    const b = twin("b", 2);
    await theirs(t, upgraded);
    const a = twin("a", 1);
    await theirs(t, upgraded);
    expect((await rows(t)).slice(-2).map((r) => r.name)).toEqual([b, a]);
    const verify = await verifyMigrations(t.driver, readMigrationFolder(upgraded));
    expect(verify.rerunByDrizzle).toEqual([]);
  });

  it("verify finds an edited migration by its name on a 1.0 table, though its row's created_at no longer matches", async () => {
    const t = await fresh();
    const { upgraded } = histories(3);
    const folder = readMigrationFolder(upgraded);
    await runMigrations(t.driver, folder);
    const last = folder.migrations.at(-1)!;
    // A row of the last migration, edited and re-stamped (by hand, or by another tool).
    await t.driver.exec(
      `UPDATE drizzle.__drizzle_migrations SET hash = 'edited', created_at = 0 WHERE name = '${last.name}'`,
    );
    const result = await verifyMigrations(t.driver, folder);
    expect(result.modified.map((m) => m.tag)).toEqual([last.tag]);
    expect(result.notApplied).toEqual([]);
    expect(result.unknown).toEqual([]);
    expect(result.ok).toBe(false);
  });
});
