import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrate as drizzleMigratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as drizzleMigratePglite } from "drizzle-orm/pglite/migrator";
import {
  acceptMigrationHashes,
  type RunnerError,
  migrationStatus,
  readMigrationFolder,
  type RunEvent,
  runMigrations,
  verifyMigrations,
} from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../project.ts";
import { scratchMigrations } from "../testing/scratch-migrations.ts";
import { type TestDatabase } from "../testing/test-database.ts";
import { problemOf } from "../testing/runner-problem.ts";
import { testResources } from "../testing/test-resources.ts";

const resources = testResources();

const freshDatabase = () => resources.database({ migrate: false });

const scratch = () => resources.scratch();

async function bookkeepingCount(t: TestDatabase): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
  return row!.n;
}

async function tableExists(t: TestDatabase, name: string): Promise<boolean> {
  const [row] = await t.driver.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [name]);
  return row!.present;
}

describe("runMigrations on a fresh database", () => {
  it("logs the state first, applies each migration once in journal order, then verifies", async () => {
    const t = await freshDatabase();
    const folder = readMigrationFolder(MIGRATIONS_FOLDER);
    const events: RunEvent[] = [];
    const first = await runMigrations(t.driver, folder, { onEvent: (e) => events.push(e) });
    expect(events[0]).toEqual({
      type: "state",
      applied: 0,
      expected: folder.migrations.length,
      pending: folder.migrations.length,
    });
    expect(events.slice(1).flatMap((e) => (e.type === "applied" ? [e.migration.tag] : []))).toEqual(
      folder.migrations.map((m) => m.tag),
    );
    expect(events.slice(1).flatMap((e) => (e.type === "applying" ? [e.tag] : []))).toEqual(
      folder.migrations.map((m) => m.tag),
    );
    expect(first.verification).toMatchObject({
      ok: true,
      applied: folder.migrations.length,
      expected: folder.migrations.length,
    });

    const second = await runMigrations(t.driver, folder);
    expect(second.state).toEqual({ applied: folder.migrations.length, expected: folder.migrations.length, pending: 0 });
    expect(second.applied).toEqual([]);
    expect(await bookkeepingCount(t)).toBe(folder.migrations.length);
  });
});

describe("line endings", () => {
  it("runs the code of a file saved with CR alone after a comment, as PostgreSQL reads it, and counts its lines", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const tag = s.add(
      "classic_mac",
      '-- add a table\rCREATE TABLE "scratch_cr" ("id" integer);--> statement-breakpoint\r-- a note\rSELECT * FROM "no_such_cr";\r',
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({
      kind: "migration-failed",
      at: { tag, statement: 2, line: 4, errorLine: 4, firstLine: 'SELECT * FROM "no_such_cr";' },
    });
    s.write(tag, '-- add a table\rCREATE TABLE "scratch_cr" ("id" integer);\r');
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied.map((m) => m.tag)).toContain(tag);
    expect(await tableExists(t, "scratch_cr")).toBe(true);
  });
});

describe("a pending migration older than the newest applied one", () => {
  it("is found by hash, stops the run before anything is applied, and is applied with allowOutOfOrder", async () => {
    const t = await freshDatabase();
    const branchB = 'CREATE TABLE "scratch_branch_b" ("id" integer);';
    const deployedFromB = scratch();
    deployedFromB.add("branch_b", branchB);
    const whenB = deployedFromB.entries().at(-1)!.when;
    await runMigrations(t.driver, readMigrationFolder(deployedFromB.dir));

    const merged = scratch();
    const tagA = merged.add("branch_a", 'CREATE TABLE "scratch_branch_a" ("id" integer);', { when: whenB - 500 });
    const tagB = merged.add("branch_b", branchB, { when: whenB });
    const folder = readMigrationFolder(merged.dir);

    const status = await migrationStatus(t.driver, folder);
    expect(status.migrations.filter((m) => m.state !== "applied").map((m) => [m.migration.tag, m.state])).toEqual([
      [tagA, "out-of-order"],
    ]);
    expect(status.migrations.find((m) => m.migration.tag === tagB)?.state).toBe("applied");

    expect(await problemOf(runMigrations(t.driver, folder))).toEqual({
      kind: "out-of-order",
      migrations: [{ tag: tagA, when: whenB - 500, newestAppliedWhen: whenB }],
    });
    expect(await tableExists(t, "scratch_branch_a")).toBe(false);

    const result = await runMigrations(t.driver, folder, { allowOutOfOrder: true });
    expect(result.applied.map((m) => m.tag)).toEqual([tagA]);
    expect(result.verification.ok).toBe(true);
    expect(await tableExists(t, "scratch_branch_a")).toBe(true);
  });
});

describe("a migration that fails", () => {
  it("leaves nothing of itself (statements or row), keeps the migrations before it, and names the statement and line", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const before = s.add("before_failure", 'CREATE TABLE "scratch_before" ("id" integer);');
    const failing = s.add(
      "create_then_fail",
      [
        'CREATE TABLE "scratch_keep" ("id" integer);',
        "--> statement-breakpoint",
        'INSERT INTO "scratch_keep" VALUES (1);',
        "--> statement-breakpoint",
        // PostgreSQL's error position counts characters: an emoji is one, where a string has two units.
        `-- this one is broken ${"🚧".repeat(20)}`,
        'SELECT "id"',
        'FROM "no_such_table";',
      ].join("\n"),
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({
      kind: "migration-failed",
      at: {
        tag: failing,
        file: `${s.dir}/${failing}.sql`,
        statement: 3,
        line: 6,
        firstLine: 'SELECT "id"',
        errorLine: 7,
      },
      database: { code: "42P01", message: 'relation "no_such_table" does not exist' },
    });
    expect(await tableExists(t, "scratch_keep")).toBe(false);
    expect(await tableExists(t, "scratch_before")).toBe(true);
    const status = await migrationStatus(t.driver, readMigrationFolder(s.dir));
    expect(status.migrations.slice(-2).map((m) => [m.migration.tag, m.state])).toEqual([
      [before, "applied"],
      [failing, "pending"],
    ]);
    expect(await bookkeepingCount(t)).toBe(s.entries().length - 1);
  });

  it("on a missing extension, says which one and how to install it", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const tag = s.add("needs_extension", 'CREATE EXTENSION IF NOT EXISTS "trovella_missing_ext";');
    const run = runMigrations(t.driver, readMigrationFolder(s.dir));
    const error = (await run.catch((e: unknown) => e)) as RunnerError;
    expect(error.problem).toMatchObject({
      kind: "migration-failed",
      at: { tag, statement: 1 },
      missingExtension: "trovella_missing_ext",
    });
    expect(error.fix).toMatch(/install the "trovella_missing_ext" extension/);
    expect(await bookkeepingCount(t)).toBe(s.entries().length - 1);
  });
});

describe("the no-transaction directive", () => {
  it("runs CREATE INDEX CONCURRENTLY, which fails inside the per-migration transaction without it", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const index = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "scratch_user_email_idx" ON "user" ("email");';
    const tag = s.add("concurrent_index", index);
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({ kind: "migration-failed", at: { tag }, database: { code: "25001" } });

    s.write(tag, `-- migrator:no-transaction\n${index}`);
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied.map((m) => [m.tag, m.transaction])).toEqual([[tag, false]]);
    expect(result.verification.ok).toBe(true);
    expect(await tableExists(t, "scratch_user_email_idx")).toBe(true);
  });

  it("reports one attempt for a migration of several statements when none waited for a lock", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const tag = s.add(
      "replace_index",
      [
        "-- migrator:no-transaction",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "scratch_user_name_idx" ON "user" ("name");',
        "--> statement-breakpoint",
        'DROP INDEX CONCURRENTLY IF EXISTS "scratch_user_name_idx";',
        "--> statement-breakpoint",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "scratch_user_name_email_idx" ON "user" ("name", "email");',
      ].join("\n"),
    );
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied.filter((m) => m.tag === tag)).toMatchObject([{ attempts: 1, transaction: false }]);
    expect(result.applied.every((m) => m.attempts === 1)).toBe(true);
  });
});

describe("tampering", () => {
  it("a modified applied migration stops the run and fails verify, until its new hash is accepted", async () => {
    const t = await freshDatabase();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const edited = s.entries()[9]!.tag;
    s.write(edited, `${s.read(edited)}\n-- a reviewed comment\n`);
    const pending = s.add("after_edit", 'CREATE TABLE "scratch_after_edit" ("id" integer);');
    const folder = readMigrationFolder(s.dir);
    const fileHash = folder.migrations.find((m) => m.tag === edited)!.hash;

    const problem = await problemOf(runMigrations(t.driver, folder));
    expect(problem).toMatchObject({ kind: "history-mismatch", unknown: [], modified: [{ tag: edited, fileHash }] });
    expect(await tableExists(t, "scratch_after_edit")).toBe(false);
    const verify = await verifyMigrations(t.driver, folder);
    expect(verify).toMatchObject({
      ok: false,
      modified: [{ tag: edited, fileHash }],
      notApplied: [{ tag: pending }],
      unknown: [],
    });

    const accepted = await acceptMigrationHashes(t.driver, folder, [edited], { withoutGit: true });
    expect(accepted).toEqual([
      { tag: edited, id: 10, oldHash: expect.stringMatching(/^[0-9a-f]{64}$/), newHash: fileHash },
    ]);
    expect(accepted[0]!.oldHash).not.toBe(fileHash);
    expect(await problemOf(acceptMigrationHashes(t.driver, folder, [edited], { withoutGit: true }))).toEqual({
      kind: "accept-refused",
      tag: edited,
      reason: "not-modified",
    });

    const result = await runMigrations(t.driver, folder);
    expect(result.applied.map((m) => m.tag)).toEqual([pending]);
    expect(result.verification.ok).toBe(true);
  });

  it("of two migrations with the same SQL, the applied one is the one whose when its row records", async () => {
    const t = await freshDatabase();
    const sql = 'CREATE TABLE IF NOT EXISTS "same_sql" ("id" integer);';
    // main applied y; a branch merged later brings x, with the same SQL, before it.
    const applied = scratchMigrations();
    const merged = scratchMigrations();
    try {
      const last = applied.entries().at(-1)!.when;
      applied.add("y", sql, { when: last + 2000 });
      await runMigrations(t.driver, readMigrationFolder(applied.dir));
      const x = merged.add("x", sql, { when: last + 1000 });
      const y = merged.add("y", sql, { when: last + 2000 });
      const status = await migrationStatus(t.driver, readMigrationFolder(merged.dir));
      expect(status.migrations.slice(-2).map((m) => [m.migration.tag, m.state])).toEqual([
        [x, "out-of-order"],
        [y, "applied"],
      ]);
      expect((await problemOf(runMigrations(t.driver, readMigrationFolder(merged.dir)))).kind).toBe("out-of-order");
    } finally {
      applied.remove();
      merged.remove();
    }
  });

  it("a row the journal does not know (a newer database) stops the run and fails verify", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const folder = readMigrationFolder(s.dir);
    await runMigrations(t.driver, folder);
    const [row] = await t.driver.query<{ id: number }>(
      "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2) RETURNING id",
      ["f".repeat(64), folder.migrations.at(-1)!.when + 1000],
    );
    const problem = await problemOf(runMigrations(t.driver, folder));
    expect(problem).toEqual({
      kind: "history-mismatch",
      modified: [],
      unknown: [{ id: row!.id, hash: "f".repeat(64), createdAt: folder.migrations.at(-1)!.when + 1000 }],
    });
    expect(await verifyMigrations(t.driver, folder)).toMatchObject({
      ok: false,
      applied: folder.migrations.length + 1,
      expected: folder.migrations.length,
      unknown: [{ id: row!.id }],
    });
    const status = await migrationStatus(t.driver, folder);
    expect(status.unknown.map((u) => u.id)).toEqual([row!.id]);
  });
});

describe("compatibility with Drizzle's migrator", () => {
  /**
   * The last migration Drizzle's migrator can apply: it runs every pending migration in one
   * transaction, and 0011 builds an index CONCURRENTLY, outside one (-- migrator:no-transaction).
   */
  const BEFORE_NO_TRANSACTION = 10;

  async function drizzleMigrate(t: TestDatabase, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
    if (t.engine === "postgres") await drizzleMigratePg(t.db as never, { migrationsFolder });
    else await drizzleMigratePglite(t.db as never, { migrationsFolder });
  }

  it("applies only what Drizzle's migrator left, the no-transaction 0011, and verifies", async () => {
    const t = await freshDatabase();
    const before = scratchMigrations(BEFORE_NO_TRANSACTION);
    try {
      await drizzleMigrate(t, before.dir);
    } finally {
      before.remove();
    }
    const folder = readMigrationFolder(MIGRATIONS_FOLDER);
    const result = await runMigrations(t.driver, folder);
    expect(result.state).toEqual({
      applied: BEFORE_NO_TRANSACTION + 1,
      expected: folder.migrations.length,
      pending: folder.migrations.length - BEFORE_NO_TRANSACTION - 1,
    });
    expect(result.applied.map((m) => m.tag)).toEqual(
      folder.migrations.slice(BEFORE_NO_TRANSACTION + 1).map((m) => m.tag),
    );
    expect(result.verification.ok).toBe(true);
  });

  it("fails where Drizzle's migrator fails, on the whole history: one transaction cannot build an index CONCURRENTLY", async () => {
    const t = await freshDatabase();
    const failure = await drizzleMigrate(t).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String((failure as { cause?: unknown } | undefined)?.cause ?? failure)).toMatch(
      /CREATE INDEX CONCURRENTLY cannot run inside a transaction block/,
    );
  });

  it("fails verify when Drizzle's migrator would apply a migration again: its journal when moved past the newest row's", async () => {
    const t = await freshDatabase();
    const s = scratchMigrations(BEFORE_NO_TRANSACTION);
    try {
      const counted = s.add(
        "counted",
        'CREATE TABLE "runs" ("n" integer);\n--> statement-breakpoint\nINSERT INTO "runs" VALUES (1);',
      );
      await runMigrations(t.driver, readMigrationFolder(s.dir));
      // A hand-resolved journal conflict moves the applied migration's when later (same SQL).
      const journalPath = join(s.dir, "meta", "_journal.json");
      const journal = s.journal();
      const entry = journal.entries.at(-1)!;
      entry.when += 60_000;
      writeFileSync(journalPath, JSON.stringify(journal, null, 2));
      const folder = readMigrationFolder(s.dir);
      expect((await migrationStatus(t.driver, folder)).migrations.at(-1)).toMatchObject({ state: "applied" });
      const verify = await verifyMigrations(t.driver, folder);
      expect(verify.ok).toBe(false);
      expect(verify.rerunByDrizzle).toEqual([
        {
          tag: counted,
          id: BEFORE_NO_TRANSACTION + 2,
          reason: `its journal when (${entry.when}) is later than the newest row's created_at (${entry.when - 60_000}), and drizzle-orm runs every migration after that`,
        },
      ]);
      // What verify says is what Drizzle's migrator does: it applies the migration again.
      await expect(drizzleMigrate(t, s.dir)).rejects.toThrow();
      const runs = await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM runs");
      expect(runs[0]!.n).toBe(1);
    } finally {
      s.remove();
    }
  });

  it("fails verify when a row's created_at is NULL (a baseline row written by hand): Drizzle's migrator would run everything again", async () => {
    const t = await freshDatabase();
    const s = scratchMigrations(BEFORE_NO_TRANSACTION);
    try {
      const folder = readMigrationFolder(s.dir);
      await runMigrations(t.driver, folder);
      await t.driver.exec("UPDATE drizzle.__drizzle_migrations SET created_at = NULL WHERE id = 1");
      const verify = await verifyMigrations(t.driver, folder);
      expect(verify.ok).toBe(false);
      expect(verify.rerunByDrizzle.map((r) => r.tag)).toEqual(folder.migrations.map((m) => m.tag));
      await expect(drizzleMigrate(t, s.dir)).rejects.toThrow();
    } finally {
      s.remove();
    }
  });

  it("leaves Drizzle's migrator nothing to apply on a database it migrated", async () => {
    const t = await freshDatabase();
    const folder = readMigrationFolder(MIGRATIONS_FOLDER);
    await runMigrations(t.driver, folder);
    await drizzleMigrate(t);
    expect(await bookkeepingCount(t)).toBe(folder.migrations.length);
    expect((await verifyMigrations(t.driver, folder)).ok).toBe(true);
  });
});
