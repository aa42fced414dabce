/**
 * The runner's promises where only a server can test them: another session holding a lock while a
 * concurrent index is built, a connection that drops mid-migration, a signal to a running deploy.
 */
import { type Driver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { runCommand, startCommand } from "../testing/run-command.ts";
import { problemOf } from "../testing/runner-problem.ts";
import { testResources } from "../testing/test-resources.ts";

const resources = testResources();

const migrated = () => resources.serverDatabase();
const otherSession = (url: string) => resources.session(url);

const scratch = () => resources.scratch();

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The backend of the migrator's session while it runs `statement` (by the start of its text). */
async function migratorRunning(observer: Driver, statement: string): Promise<number | undefined> {
  const [row] = await observer.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'trovella-migrator' AND query LIKE $1",
    [`${statement}%`],
  );
  return row?.pid;
}

describe("a lock timeout inside a migration's own transaction (statement by statement)", () => {
  it("is not retried alone in the aborted transaction: it is rolled back and reported as a lock timeout", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add(
      "own_locked",
      [
        "-- migrator:no-transaction",
        'CREATE TABLE "own_locked_kept" ("id" integer);',
        "BEGIN;",
        'CREATE TABLE "own_locked_lost" ("id" integer);',
        'ALTER TABLE "user" ADD COLUMN "own_locked" integer;',
        "COMMIT;",
      ].join("\n--> statement-breakpoint\n"),
    );
    const reader = await otherSession(t.url);
    await reader.exec(`BEGIN; LOCK TABLE "user" IN ACCESS SHARE MODE`);
    const problem = await problemOf(
      runMigrations(t.driver, readMigrationFolder(s.dir), { lockTimeoutMs: 100, lockRetries: 2, retryDelayMs: 10 }),
    );
    await reader.exec("COMMIT");
    expect(problem).toMatchObject({
      kind: "lock-timeout",
      attempts: 1,
      at: { tag, line: 9 },
      progress: { transaction: false, applied: 1, total: 5 },
    });
    const [left] = await t.driver.query<{ kept: boolean; lost: boolean }>(
      "SELECT to_regclass('own_locked_kept') IS NOT NULL AS kept, to_regclass('own_locked_lost') IS NOT NULL AS lost",
    );
    expect(left).toEqual({ kept: true, lost: false });
  });
});

describe("a concurrent index build under a lock-timeout retry", () => {
  it("drops the INVALID index a timed-out build left before building again, and records only a valid index", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add(
      "concurrent_email_index",
      '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "user_email_cic_idx" ON "user" ("email");',
    );
    // An app transaction that wrote to "user" and is still open: the build waits for it, times out,
    // and leaves its index INVALID; the transaction ends while the runner waits to retry.
    const writer = await otherSession(t.url);
    await writer.exec(`BEGIN; LOCK TABLE "user" IN ROW EXCLUSIVE MODE`);
    const retries: number[] = [];
    const run = runMigrations(t.driver, readMigrationFolder(s.dir), {
      lockTimeoutMs: 300,
      retryDelayMs: 3000,
      onEvent: (e) => {
        if (e.type === "retry") {
          retries.push(e.retry.attempt);
          void writer.exec("COMMIT");
        }
      },
    });
    const result = await run;
    expect(retries).toEqual([1]);
    expect(result.applied).toMatchObject([{ tag, attempts: 2, transaction: false }]);
    const [index] = await t.driver.query<{ valid: boolean }>(
      "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'user_email_cic_idx'",
    );
    expect(index).toEqual({ valid: true });
    expect(result.verification.ok).toBe(true);
  });

  it("fails, says what may remain, and does not record the migration while the writer stays", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add(
      "concurrent_name_index",
      '-- migrator:no-transaction\nCREATE TABLE IF NOT EXISTS "cic_first" ("id" integer);\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "user_name_cic_idx" ON "user" ("name");',
    );
    const writer = await otherSession(t.url);
    await writer.exec(`BEGIN; LOCK TABLE "user" IN ROW EXCLUSIVE MODE`);
    const run = await runCommand(
      "migrate",
      ["--migrations", s.dir, "--lock-timeout", "200", "--lock-retries", "1", "--retry-delay", "10"],
      { DATABASE_URL: t.url },
    );
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toContain(
      `${tag}: lock_timeout (attempt 1 of 2); the statement did not run; the statements before it stay applied`,
    );
    expect(run.stderr).toContain(
      `${tag} runs statement by statement: its first 1 of 2 statements stay applied; it is not recorded`,
    );
    expect(run.stderr).not.toMatch(/nothing of .* was kept|rolled back/);
    await writer.exec("COMMIT");
    const rerun = await runCommand("migrate", ["--migrations", s.dir], { DATABASE_URL: t.url });
    expect(rerun.code, rerun.stderr).toBe(0);
    const indexes = await t.driver.query<{ valid: boolean }>(
      "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'user_name_cic_idx'",
    );
    expect(indexes).toEqual([{ valid: true }]);
  });
});

describe("a connection lost mid-migration", () => {
  it("exits 4, saying the connection was lost and that the migration's transaction was not kept", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add(
      "slow_statement",
      'CREATE TABLE "lost_probe" ("id" integer);\n--> statement-breakpoint\nSELECT pg_sleep(30);',
    );
    const observer = await otherSession(t.url);
    const run = runCommand("migrate", ["--migrations", s.dir], { DATABASE_URL: t.url });
    let pid: number | undefined;
    await until(
      async () => (pid = await migratorRunning(observer, "SELECT pg_sleep(30)")) !== undefined,
      "the slow statement",
    );
    await observer.query("SELECT pg_terminate_backend($1)", [pid]);
    const result = await run;
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`the connection to the database was lost while applying ${tag} at statement 2`);
    expect(result.stderr).toContain(
      `${tag} runs in one transaction, which the server rolls back: nothing of it was kept`,
    );
    expect(result.stderr).not.toContain("fix the SQL");
    const [probe] = await observer.query<{ present: boolean }>(
      "SELECT to_regclass('lost_probe') IS NOT NULL AS present",
    );
    expect(probe?.present).toBe(false);
  });
});

describe("a signal to a running deploy", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s cancels the running statement, rolls the migration back, names it and exits 128 + signal",
    async (signal) => {
      const t = await migrated();
      const s = scratch();
      await runMigrations(t.driver, readMigrationFolder(s.dir));
      const tag = s.add(
        "interrupted",
        'CREATE TABLE "signal_probe" ("id" integer);\n--> statement-breakpoint\nSELECT pg_sleep(60);',
      );
      const observer = await otherSession(t.url);
      const started = Date.now();
      const run = startCommand("migrate", ["--migrations", s.dir], { DATABASE_URL: t.url });
      await until(
        async () => (await migratorRunning(observer, "SELECT pg_sleep(60)")) !== undefined,
        "the slow statement",
      );
      run.child.kill(signal);
      const done = await run.done;
      expect(done.code).toBe(signal === "SIGINT" ? 130 : 143);
      expect(Date.now() - started).toBeLessThan(50_000);
      expect(done.stderr).toContain(`interrupted by ${signal} while applying ${tag} (statement 2`);
      expect(done.stderr).toContain(`${tag} was rolled back: nothing of it was kept; earlier migrations stay applied`);
      const [probe] = await observer.query<{ present: boolean }>(
        "SELECT to_regclass('signal_probe') IS NOT NULL AS present",
      );
      expect(probe?.present).toBe(false);
    },
  );
});
