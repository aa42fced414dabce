/**
 * `db:review --live --database-url`: the measured locks weighed by the tables of a real database,
 * here a migrated clone with 3,000 rows in "verification". The reference database is never
 * written: its catalog and rows are the same before and after, and its password is never printed.
 * `--live` runs on the server DATABASE_URL names, in a database it drops at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSnapshot, type CatalogSnapshot } from "@repo/migrator/testing";
import { runCommand } from "../testing/run-command.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from "../testing/test-database.ts";

const BREAK = "--> statement-breakpoint\n";
let reference: TestDatabase;
let scratch: ScratchMigrations;
let tag: string;

/** What must not change: the catalog, the rows, and what the statistics say was written. */
async function state(): Promise<{ catalog: CatalogSnapshot; rows: unknown[] }> {
  const rows = await reference.driver.query(
    `SELECT md5(string_agg(v::text, ',' ORDER BY id)) AS digest, count(*)::int AS n FROM verification v`,
  );
  return { catalog: await catalogSnapshot(reference.driver), rows };
}

beforeAll(async () => {
  reference = await createTestDatabase({ engine: "postgres" });
  await reference.driver.exec(
    `INSERT INTO verification (id, identifier, value, expires_at)
       SELECT 'v' || g, 'user-' || g, md5(g::text), now() + interval '1 day' FROM generate_series(1, 3000) g;
     ANALYZE verification; ANALYZE session`,
  );
  scratch = scratchMigrations();
  tag = scratch.add(
    "reference-fixture",
    [
      'CREATE INDEX IF NOT EXISTS "verification_value_idx" ON "verification" USING btree ("value");',
      'ALTER TABLE "verification" ADD COLUMN IF NOT EXISTS "note" text;',
      'ALTER TABLE "session" ADD COLUMN IF NOT EXISTS "note" text;',
    ].join(BREAK),
  );
}, 180_000);

afterAll(async () => {
  scratch?.remove();
  await reference?.close();
});

describe("db:review --live --database-url (server)", { timeout: 120_000 }, () => {
  it("weighs the locks by the real tables and never writes to them", async () => {
    const before = await state();
    const { code, stdout, stderr } = await runCommand(
      "review",
      [
        "--live",
        "--database-url",
        reference.connection.kind === "postgres" ? reference.connection.url : "",
        "--large-table",
        "1000",
        "--migrations",
        scratch.dir,
        "--format",
        "json",
        tag,
      ],
      { DATABASE_URL: TEST_SERVER_URL },
    );
    const live = (JSON.parse(stdout) as { rule: string; line: number; severity: string; message: string }[]).filter(
      (f) => f.rule.startsWith("live-"),
    );
    expect(live.map((f) => [f.line, f.rule, f.severity])).toEqual([
      [1, "live-scan-under-lock", "error"],
      [2, "live-lock-on-large-table", "warning"],
    ]);
    expect(live[0]?.message).toBe(
      'holds SHARE (measured: pg_locks) on "verification" while scanning it (measured: 1 scan begun, pg_stat_get_xact_numscans; inferred cause: index build); in the reference database "verification" has ~3,000 rows, ' +
        live[0]?.message.split("~3,000 rows, ")[1],
    );
    expect(live[0]?.message).toMatch(/kB: writes wait for the whole scan$/);
    expect(live[1]?.message).toMatch(
      /^holds ACCESS EXCLUSIVE \(measured: pg_locks\) on "verification", no scan measured; in the reference database "verification" has ~3,000 rows/,
    );
    expect(stderr).toContain('  size: "session" ~0 rows');
    expect(stderr).toMatch(
      /measured on a throwaway database "migrator_review_\d+_[0-9a-f]+" on postgres:\/\/trovella:\*\*\*@/,
    );
    expect(stderr).toContain("sizes from postgres://trovella:***@");
    expect(`${stdout}${stderr}`).not.toContain("trovella_dev");
    expect(code).toBe(1);
    expect(await state()).toEqual(before);
  });

  it("drops the throwaway database it created", async () => {
    const left = await reference.driver.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `migrator\\_review\\_${process.pid}\\_%`,
    ]);
    expect(left).toEqual([]);
  });

  it("says why (exit 2) when the --live server refuses to create its database, never printing the password", async () => {
    const role = `review_nocreatedb_${process.pid}`;
    await reference.driver.exec(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'S3cret-pw'`);
    try {
      const url = new URL(TEST_SERVER_URL);
      url.username = role;
      url.password = "S3cret-pw";
      const { code, stderr } = await runCommand("review", ["--live", "--live-url", url.toString(), "0010"], {});
      expect(stderr).toContain(`error: --live could not create its throwaway database on postgres://${role}:***@`);
      expect(stderr).toContain("permission denied to create database (SQLSTATE 42501)");
      expect(stderr).toContain("fix: give the role CREATEDB");
      expect(stderr).not.toContain("S3cret-pw");
      expect(code).toBe(2);
    } finally {
      await reference.driver.exec(`DROP ROLE ${role}`);
    }
  });

  it("refuses --database-url without --live (exit 2)", async () => {
    const { code, stderr } = await runCommand("review", ["--database-url", TEST_SERVER_URL, "0010"], {});
    expect(stderr).toContain("error: --database-url only works with --live");
    expect(code).toBe(2);
  });
});
