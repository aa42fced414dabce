/**
 * A bookkeeping row with a NULL hash, which a `drizzle.__drizzle_migrations` made by hand (or by
 * another tool) allows: it matches no migration, so status, verify and migrate name it as unknown,
 * say what to do, exit 3 (history mismatch), and migrate applies nothing and changes nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationStatus, readMigrationFolder, runMigrations, verifyMigrations } from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { runCommand } from "../testing/run-command.ts";
import { problemOf } from "../testing/runner-problem.ts";
import { inspectTarget, testResources } from "../testing/test-resources.ts";

const resources = testResources();

const WHEN = 1_700_000_000_000;
const SQL = ["a", "b", "c"].map((t) => `CREATE TABLE "null_hash_${t}" ("id" integer);\n`);

/** A temporary folder of three migrations, in Drizzle Kit 0.x's layout or 1.0's, removed after the test. */
function threeMigrations(layout: "journal" | "folders"): string {
  const dir = mkdtempSync(join(tmpdir(), "trovella-null-hash-"));
  resources.later(() => rmSync(dir, { recursive: true, force: true }));
  if (layout === "journal") {
    mkdirSync(join(dir, "meta"));
    const entries = SQL.map((sql, idx) => {
      const tag = `000${idx}_${"abc"[idx]}`;
      writeFileSync(join(dir, `${tag}.sql`), sql);
      return { idx, version: "7", when: WHEN + idx * 1000, tag, breakpoints: true };
    });
    writeFileSync(
      join(dir, "meta", "_journal.json"),
      `${JSON.stringify({ version: "7", dialect: "postgresql", entries }, null, 2)}\n`,
    );
  } else {
    SQL.forEach((sql, idx) => {
      // 1700000000 s is 2023-11-14 22:13:20 UTC.
      const folder = join(dir, `2023111422132${idx}_${"abc"[idx]}`);
      mkdirSync(folder);
      writeFileSync(join(folder, "migration.sql"), sql);
    });
  }
  return dir;
}

const NULL_HASH_LINE = /row (id )?2 \(created_at \d+\) has no hash \(NULL\), so it matches no migration/;

describe("a bookkeeping row with a NULL hash", () => {
  it("status, verify and migrate name it, say what to do and exit 3; migrate applies nothing", async () => {
    const dir = threeMigrations("journal");
    const folder = readMigrationFolder(dir);
    const [first, second] = folder.migrations;
    const env = await resources.commandTarget({ migrate: false });
    const rowsBefore = [
      { id: 1, hash: first!.hash, created_at: null },
      { id: 2, hash: null, created_at: String(second!.when) },
    ];
    await inspectTarget(env, async (driver) => {
      await driver.exec(
        "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text, created_at bigint)",
      );
      await driver.query("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, NULL), (NULL, $2)", [
        first!.hash,
        second!.when,
      ]);
    });

    const status = await runCommand("status", ["--migrations", dir], env);
    expect(status.stderr).not.toContain("Cannot read properties");
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/unknown\s+row 2\s+when \d+\s+\(no hash \(NULL\), so it matches no migration/);
    expect(status.stdout).toMatch(/pending\s+0001_b/);

    const statusJson = await runCommand("status", ["--migrations", dir, "--json"], env);
    expect(statusJson.code).toBe(3);
    expect(JSON.parse(statusJson.stdout)).toMatchObject({
      unknown: [{ state: "unknown", id: 2, hash: null, when: second!.when }],
    });

    const verify = await runCommand("verify", ["--migrations", dir], env);
    expect(verify.stderr).not.toContain("Cannot read properties");
    expect(verify.code).toBe(3);
    expect(verify.stdout).toMatch(NULL_HASH_LINE);
    expect(verify.stdout).toContain("sha256sum");
    expect(verify.stdout).toContain("DELETE FROM drizzle.__drizzle_migrations WHERE id = 2");
    // A NULL created_at is still what Drizzle's migrator would apply everything again for.
    expect(verify.stdout).toContain("a row's created_at is NULL");

    const migrate = await runCommand("migrate", ["--migrations", dir], env);
    expect(migrate.stderr).not.toContain("Cannot read properties");
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toContain("nothing was applied");
    expect(migrate.stderr).toMatch(NULL_HASH_LINE);
    expect(migrate.stderr).toContain("UPDATE drizzle.__drizzle_migrations SET hash = '<that hex>' WHERE id = 2");
    expect(migrate.stderr).toContain("DELETE FROM drizzle.__drizzle_migrations WHERE id = 2");

    await inspectTarget(env, async (driver) => {
      expect(
        await driver.query(
          "SELECT id, hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id",
        ),
      ).toEqual(rowsBefore);
      const [tables] = await driver.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'null_hash_%'",
      );
      expect(tables!.n, "nothing was applied").toBe(0);
    });
  });

  it("matches no migration by name or by time either, and a 1.0 folder upgrades nothing", async () => {
    for (const named of [false, true]) {
      const t = await resources.database({ migrate: false });
      const folder = readMigrationFolder(threeMigrations("folders"));
      expect(folder.layout).toBe("folders");
      const [first, second] = folder.migrations;
      await t.driver.exec(
        `CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text, created_at bigint${named ? ", name text, applied_at timestamptz" : ""})`,
      );
      await t.driver.query(
        `INSERT INTO drizzle.__drizzle_migrations (hash, created_at${named ? ", name" : ""}) VALUES ($1, $2${named ? ", $5" : ""}), (NULL, $3${named ? ", $4" : ""})`,
        [first!.hash, first!.when, second!.when, ...(named ? [second!.name, first!.name] : [])],
      );
      const columns = () =>
        t.driver.query<{ name: string }>(
          "SELECT attname AS name FROM pg_attribute WHERE attrelid = 'drizzle.__drizzle_migrations'::regclass AND attnum > 0 ORDER BY attnum",
        );
      const columnsBefore = await columns();

      const status = await migrationStatus(t.driver, folder);
      expect(
        status.migrations.map((m) => m.state),
        `named: ${named}`,
      ).toEqual(["applied", "pending", "pending"]);
      expect(status.unknown).toEqual([expect.objectContaining({ id: 2, hash: null, createdAt: second!.when })]);
      const verify = await verifyMigrations(t.driver, folder);
      expect(verify.ok).toBe(false);
      expect(verify.modified).toEqual([]);
      expect(verify.unknown).toEqual([{ id: 2, hash: null, createdAt: second!.when }]);

      const problem = await problemOf(runMigrations(t.driver, folder));
      expect(problem).toMatchObject({ kind: "history-mismatch", modified: [], unknown: [{ id: 2, hash: null }] });
      expect(await columns(), "the 0.x table is not upgraded to 1.0's").toEqual(columnsBefore);
      const [tables] = await t.driver.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'null_hash_%'",
      );
      expect(tables!.n, "nothing was applied").toBe(0);
    }
  });
});
