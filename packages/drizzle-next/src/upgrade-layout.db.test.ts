/**
 * `db:upgrade-layout --check-database` on a database migrated with the old layout (the migrated
 * test template: Trovella's history applied by our runner from the 0.x folder), on the engine of the
 * test project: after the conversion nothing is pending or unknown, drizzle-orm 1.0's migrator runs
 * nothing; a database whose rows carry other names than the folders (a conversion done elsewhere
 * without UTC) fails the check, and the folder is put back.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Driver,
  type Project,
  readMigrationFolder,
  upgradeLayout,
  UpgradeLayoutError,
  upgradeLayoutCommand,
} from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { MIGRATIONS_FOLDER, type TestDatabase } from "@repo/db/testing";
import { folderManifest } from "../../migrator/src/upgrade/folder-backup.ts";
import { drizzleMigrate1, projectWith } from "./upgraded-history.ts";
import { testResources } from "@repo/db/testing/test-resources";

const resources = testResources();

const migrated = () => resources.database();

/** The project's database is the test database (its session stays open for the test). */
function projectOn(t: TestDatabase, migrationsFolder: string): Project {
  const driver: Driver = {
    dialect: t.driver.dialect,
    target: t.driver.target,
    query: (sql, params) => t.driver.query(sql, params),
    exec: (sql) => t.driver.exec(sql),
    close: async () => undefined,
  };
  return { migrationsFolder, openDriver: async () => driver };
}

function theirs(t: TestDatabase, folder: string): Promise<void> {
  if (t.pglite) return drizzleMigrate1({ pglite: t.pglite }, folder);
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  return drizzleMigrate1({ url: t.connection.url }, folder);
}

const rows = (t: TestDatabase) =>
  t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");

describe("db:upgrade-layout --check-database", () => {
  it("finds everything applied before still applied, and drizzle-orm 1.0 then runs nothing", async () => {
    const t = await migrated();
    const p = projectWith(MIGRATIONS_FOLDER);
    resources.later(p.remove);
    const run = await runCaptured(upgradeLayoutCommand(projectOn(t, p.migrations)), ["--check-database", "--json"], {
      env: {},
      cwd: p.root,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const count = readMigrationFolder(p.migrations).migrations.length;
    expect(JSON.parse(run.stdout).database).toEqual({ target: t.driver.target, applied: count, pending: 0 });
    await theirs(t, p.migrations);
    expect(await rows(t)).toEqual([{ n: count }]);
    const again = await runCaptured(upgradeLayoutCommand(projectOn(t, p.migrations)), ["--check-database"], {
      env: {},
      cwd: p.root,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      "nothing to do. The database was not checked: db:verify says which migrations drizzle-orm 1.0 would run again.",
    );
  });

  it("fails when rows name other folders than the conversion's, and puts the folder back", async () => {
    const t = await migrated();
    const p = projectWith(MIGRATIONS_FOLDER);
    resources.later(p.remove);
    const names = readMigrationFolder(p.migrations).migrations.map((m) => m.name);
    const last = names.at(-1) ?? "";
    // As drizzle-orm 1.0 left them after a conversion on a machine east of UTC: the last name a year on.
    await t.driver.exec('ALTER TABLE drizzle.__drizzle_migrations ADD COLUMN "name" text');
    for (const [i, name] of names.entries())
      await t.driver.query(`UPDATE drizzle.__drizzle_migrations SET "name" = $1 WHERE id = $2`, [
        i === names.length - 1 ? `2027${name.slice(4)}` : name,
        i + 1,
      ]);
    const before = folderManifest(p.migrations);
    const run = await runCaptured(upgradeLayoutCommand(projectOn(t, p.migrations)), ["--check-database"], {
      env: {},
      cwd: p.root,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `${t.driver.target}: drizzle-orm 1.0 would run ${last} again (row ${names.length}): no row has its name (its row's is "2027${last.slice(4)}")`,
    );
    expect(run.stderr).toContain("the folder is back exactly as it was");
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("fails when the table has drizzle-orm 1.0's name column but the rows no names, as 0.45 leaves them", async () => {
    const t = await migrated();
    const p = projectWith(MIGRATIONS_FOLDER);
    resources.later(p.remove);
    await t.driver.exec('ALTER TABLE drizzle.__drizzle_migrations ADD COLUMN "name" text');
    const before = folderManifest(p.migrations);
    const run = await runCaptured(upgradeLayoutCommand(projectOn(t, p.migrations)), ["--check-database"], {
      env: {},
      cwd: p.root,
    });
    expect(run.code).toBe(1);
    const first = readMigrationFolder(MIGRATIONS_FOLDER).migrations[0]?.name ?? "";
    expect(run.stderr).toContain(
      `${t.driver.target}: drizzle-orm 1.0 would run ${first} again (row 1): no row has its name (its row's is empty)`,
    );
    expect(run.stderr).toContain("fix: the folder converts, but the database's bookkeeping rows do not match it");
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("puts the folder back, interrupted, when a signal comes while the database is checked", async () => {
    const t = await migrated();
    const p = projectWith(MIGRATIONS_FOLDER);
    resources.later(p.remove);
    const journal = join(p.migrations, "meta", "_journal.json");
    const interrupt = new AbortController();
    // The session of the test database; once drizzle-kit up has removed the 0.x journal, Ctrl-C.
    const driver: Driver = {
      dialect: t.driver.dialect,
      target: t.driver.target,
      query: (sql, params) => {
        if (!existsSync(journal)) interrupt.abort("SIGINT");
        return t.driver.query(sql, params);
      },
      exec: (sql) => t.driver.exec(sql),
      close: async () => undefined,
    };
    const before = folderManifest(p.migrations);
    const error = await upgradeLayout({ folder: p.migrations, driver, signal: interrupt.signal }).catch(
      (e: unknown) => e as UpgradeLayoutError,
    );
    expect(error).toBeInstanceOf(UpgradeLayoutError);
    expect((error as UpgradeLayoutError).code).toBe("interrupted");
    expect((error as UpgradeLayoutError).message).toBe(
      "interrupted by SIGINT: the checks of the converted folder were stopped; the folder is back exactly as it was",
    );
    expect(folderManifest(p.migrations)).toEqual(before);
  });
});
