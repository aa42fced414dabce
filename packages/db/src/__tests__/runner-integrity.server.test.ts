/**
 * The runner's promises where only a server can test them: another session holding a lock while a
 * concurrent index is built, a connection that drops mid-migration, a signal to a running deploy.
 */
import { type Driver, MIGRATOR_LOCK_KEY, readMigrationFolder, runMigrations, tryAdvisoryLockSql } from "@repo/migrator";
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

/** How the runner's poll for its lock starts, as pg_stat_activity shows it. */
const LOCK_POLL = `SELECT ${tryAdvisoryLockSql(MIGRATOR_LOCK_KEY)}`;

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
    // The writer that made the build time out also keeps its leftover from being dropped: named as staying.
    expect(run.stderr).toContain(
      "a failed concurrent index build left an INVALID index the runner could not drop, which stays (PostgreSQL updates it on every write, and a unique one refuses duplicates): public.user_name_cic_idx",
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

describe("a concurrent index build or rebuild that fails", () => {
  /** A database with the history applied and a table `cic_t` ("v" text) with two equal rows. */
  async function withTable() {
    const t = await migrated();
    const s = scratch();
    s.add("cic_table", `CREATE TABLE "cic_t" ("v" text);\n--> statement-breakpoint\nINSERT INTO "cic_t" VALUES ('a');`);
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    return { t, s };
  }
  /** A session whose REPEATABLE READ snapshot a concurrent build must wait out (it holds no lock on the table). */
  async function oldSnapshot(url: string): Promise<Driver> {
    const reader = await otherSession(url);
    await reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    return reader;
  }
  const indexesOf = (t: { driver: Driver }, table: string) =>
    t.driver.query<{ name: string; valid: boolean }>(
      "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1) ORDER BY 1",
      [table],
    );

  it("drops the INVALID unique index a timed-out build left, so the app's duplicate rows are not refused, and says nothing stays", async () => {
    const { t, s } = await withTable();
    const tag = s.add(
      "cic_unique",
      '-- migrator:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "cic_t_v_key" ON "cic_t" ("v");',
    );
    const reader = await oldSnapshot(t.url);
    const run = await runCommand(
      "migrate",
      ["--migrations", s.dir, "--lock-timeout", "300", "--lock-retries", "1", "--retry-delay", "10"],
      { DATABASE_URL: t.url },
    );
    await reader.exec("COMMIT");
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toContain(
      `${tag} runs statement by statement and none of its 1 statements completed; it is not recorded`,
    );
    expect(run.stderr).not.toContain("INVALID");
    expect(await indexesOf(t, "cic_t")).toEqual([]);
    await t.driver.exec(`INSERT INTO "cic_t" VALUES ('a')`);
  });

  it("an unnamed build retried leaves one valid index, not an INVALID t_v_idx beside a working t_v_idx1", async () => {
    const { t, s } = await withTable();
    const tag = s.add("cic_unnamed", '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY ON "cic_t" ("v");');
    const reader = await oldSnapshot(t.url);
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir), {
      lockTimeoutMs: 300,
      retryDelayMs: 3000,
      onEvent: (e) => {
        if (e.type === "retry") void reader.exec("COMMIT");
      },
    });
    expect(result.applied).toMatchObject([{ tag, attempts: 2 }]);
    expect(await indexesOf(t, "cic_t")).toEqual([{ name: "cic_t_v_idx", valid: true }]);
  });

  it("REINDEX CONCURRENTLY that times out leaves no INVALID …_ccnew index", async () => {
    const { t, s } = await withTable();
    await t.driver.exec('CREATE INDEX "cic_t_v" ON "cic_t" ("v")');
    const tag = s.add("cic_reindex", '-- migrator:no-transaction\nREINDEX INDEX CONCURRENTLY "cic_t_v";');
    const reader = await oldSnapshot(t.url);
    const problem = await problemOf(
      runMigrations(t.driver, readMigrationFolder(s.dir), { lockTimeoutMs: 300, lockRetries: 0 }),
    );
    await reader.exec("COMMIT");
    expect(problem).toMatchObject({ kind: "lock-timeout", at: { tag }, progress: { applied: 0, total: 1 } });
    expect((problem as { progress: { invalidIndexes?: string[] } }).progress.invalidIndexes ?? []).toEqual([]);
    expect(await indexesOf(t, "cic_t")).toEqual([{ name: "cic_t_v", valid: true }]);
  });
});

describe("a concurrent rebuild of a partitioned table's index that fails", () => {
  it("leaves no INVALID …_ccnew index on its partitions", async () => {
    const t = await migrated();
    const s = scratch();
    s.add(
      "cic_partitioned",
      [
        'CREATE TABLE "cic_p" ("a" integer, "b" integer) PARTITION BY RANGE ("a");',
        'CREATE TABLE "cic_p1" PARTITION OF "cic_p" FOR VALUES FROM (0) TO (1000);',
        'CREATE TABLE "cic_p2" PARTITION OF "cic_p" FOR VALUES FROM (1000) TO (2000);',
        'CREATE INDEX "cic_p_b_idx" ON "cic_p" ("b");',
        'INSERT INTO "cic_p" VALUES (1, 1), (1500, 2);',
      ].join("\n--> statement-breakpoint\n"),
    );
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add("cic_p_reindex", '-- migrator:no-transaction\nREINDEX INDEX CONCURRENTLY "cic_p_b_idx";');
    const reader = await otherSession(t.url);
    await reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    const problem = await problemOf(
      runMigrations(t.driver, readMigrationFolder(s.dir), { lockTimeoutMs: 300, lockRetries: 0 }),
    );
    await reader.exec("COMMIT");
    expect(problem).toMatchObject({ kind: "lock-timeout", at: { tag } });
    const invalid = await t.driver.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1",
    );
    expect(invalid).toEqual([]);
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

describe("a second signal while the first one waits for the database", () => {
  /** A statement that shrugs off the cancel the first signal sends: the run cannot stop cleanly. */
  const DEAF_TO_CANCEL =
    "DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(60); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$;";

  /**
   * db:migrate of a migration of `statements`, then one deaf to the cancel: SIGINT sent while
   * it loops, `second` once the command answered it. Returns how it ended, and the observer.
   */
  async function interruptedTwice(name: string, statements: string[], second: NodeJS.Signals) {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const tag = s.add(name, [...statements, DEAF_TO_CANCEL].join("\n--> statement-breakpoint\n"));
    const observer = await otherSession(t.url);
    const run = startCommand("migrate", ["--migrations", s.dir], { DATABASE_URL: t.url });
    let pid: number | undefined;
    await until(async () => (pid = await migratorRunning(observer, "DO $$")) !== undefined, "the loop");
    run.child.kill("SIGINT");
    await until(async () => run.stderrSoFar().includes("send it again"), "the first signal's answer");
    run.child.kill(second);
    const done = await run.done;
    await observer.query("SELECT pg_terminate_backend($1)", [pid]);
    return { tag, done, observer };
  }

  it("of the other kind (Ctrl-C, then a supervisor's SIGTERM) quits at once too, with SIGTERM's exit code", async () => {
    const { done } = await interruptedTwice("deaf_to_cancel_again", [], "SIGTERM");
    expect(done.code, done.stderr).toBe(143);
    expect(done.stderr).toContain("SIGTERM after SIGINT: quitting at once");
  });

  it("quits at once, exits 128 + signal and says what stays and where to look", async () => {
    const { tag, done, observer } = await interruptedTwice(
      "deaf_to_cancel",
      ['CREATE TABLE "second_signal_probe" ("id" integer);'],
      "SIGINT",
    );
    expect(done.code, done.stderr).toBe(130);
    expect(done.stderr).toContain("SIGINT again: quitting at once");
    expect(done.stderr).toContain("Migrations reported as applied stay. The one that was running is not recorded");
    expect(done.stderr).toContain("Run db:status");
    await until(
      async () => (await migratorRunning(observer, "DO $$")) === undefined,
      "the server to end the loop's session",
    );
    const [probe] = await observer.query<{ present: boolean }>(
      "SELECT to_regclass('second_signal_probe') IS NOT NULL AS present",
    );
    expect(probe?.present, `${tag} was rolled back`).toBe(false);
  });
});

describe("a signal while the migration's row is written", () => {
  it.each([
    ["in one transaction", "", "was rolled back: nothing of it was kept"],
    [
      "statement by statement",
      "-- migrator:no-transaction\n",
      "all 1 of its statements stay applied; it is not recorded",
    ],
  ] as const)("%s: names the migration and what stays, exits 143", async (_how, directive, stays) => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    // The row's INSERT takes a while: the signal arrives while the runner writes it.
    await t.driver
      .exec(`CREATE FUNCTION "slow_row"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
      CREATE TRIGGER "slow_row" BEFORE INSERT ON "drizzle"."__drizzle_migrations" FOR EACH ROW EXECUTE FUNCTION "slow_row"()`);
    const tag = s.add("row_interrupted", `${directive}CREATE TABLE "row_probe" ("id" integer);`);
    const observer = await otherSession(t.url);
    const run = startCommand("migrate", ["--migrations", s.dir], { DATABASE_URL: t.url });
    await until(async () => (await migratorRunning(observer, "INSERT INTO")) !== undefined, "the row's INSERT");
    run.child.kill("SIGTERM");
    const done = await run.done;
    expect(done.code, done.stderr).toBe(143);
    expect(done.stderr).toContain(`interrupted by SIGTERM while applying ${tag}`);
    expect(done.stderr).toContain(stays);
  });
});

describe("a signal while waiting for another run's advisory lock", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s stops the wait, says nothing was applied and exits 128 + signal",
    async (signal) => {
      const t = await migrated();
      const s = scratch();
      await runMigrations(t.driver, readMigrationFolder(s.dir));
      s.add("after_the_wait", 'CREATE TABLE "wait_probe" ("id" integer);');
      const other = await otherSession(t.url);
      await other.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATOR_LOCK_KEY]);
      const observer = await otherSession(t.url);
      // Without a way to stop the wait it would end only at --wait-timeout (exit 5).
      const run = startCommand("migrate", ["--migrations", s.dir, "--wait-timeout", "30000"], { DATABASE_URL: t.url });
      await until(async () => (await migratorRunning(observer, LOCK_POLL)) !== undefined, "the wait for the lock");
      run.child.kill(signal);
      const done = await run.done;
      await other.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATOR_LOCK_KEY]);
      expect(done.code, done.stderr).toBe(signal === "SIGINT" ? 130 : 143);
      expect(done.stderr).toContain(`interrupted by ${signal} before any migration was applied`);
      const [probe] = await observer.query<{ present: boolean }>(
        "SELECT to_regclass('wait_probe') IS NOT NULL AS present",
      );
      expect(probe?.present).toBe(false);
    },
  );
});

describe("a connection lost while waiting for another run's advisory lock", () => {
  it("exits 4 as a lost connection, saying this run applied nothing", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    s.add("after_the_lost_wait", 'CREATE TABLE "lost_wait_probe" ("id" integer);');
    const other = await otherSession(t.url);
    await other.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    const observer = await otherSession(t.url);
    const run = startCommand("migrate", ["--migrations", s.dir, "--wait-timeout", "60000"], { DATABASE_URL: t.url });
    let pid: number | undefined;
    await until(async () => (pid = await migratorRunning(observer, LOCK_POLL)) !== undefined, "the wait for the lock");
    await observer.query("SELECT pg_terminate_backend($1)", [pid]);
    const done = await run.done;
    await other.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    expect(done.code, done.stderr).toBe(4);
    expect(done.stderr).toContain("the connection to the database was lost");
    expect(done.stderr).toContain("this run applied nothing");
  });
});

describe("a statement that commits inside itself (a DO block's batches) under a lock timeout", () => {
  it("is not retried (its committed batches would run twice), and the error says part of it may have committed", async () => {
    const t = await migrated();
    const s = scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    await t.driver.exec('CREATE TABLE "batch_log" ("i" integer); CREATE TABLE "batch_busy" ("id" integer)');
    const tag = s.add(
      "batched",
      [
        "-- migrator:no-transaction",
        'DO $$ BEGIN FOR i IN 1..3 LOOP INSERT INTO "batch_log" VALUES (i); COMMIT; IF i = 2 THEN LOCK TABLE "batch_busy" IN ACCESS EXCLUSIVE MODE; END IF; END LOOP; END $$;',
      ].join("\n"),
    );
    const reader = await otherSession(t.url);
    await reader.exec('BEGIN; LOCK TABLE "batch_busy" IN ACCESS SHARE MODE');
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir), {
      lockTimeoutMs: 300,
      retryDelayMs: 3000,
      // A retry would find the table free: the batches would run again.
      onEvent: (e) => {
        if (e.type === "retry") void reader.exec("COMMIT");
      },
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    await reader.exec("COMMIT").catch(() => undefined);
    expect(error?.problem).toMatchObject({
      kind: "lock-timeout",
      attempts: 1,
      at: { tag },
      progress: { applied: 0, partlyCommitted: 1 },
    });
    expect(error?.message).toContain("statement 1 commits inside itself");
    expect(error?.message).toContain("part of its work may have committed before it failed");
    expect(await t.driver.query('SELECT i FROM "batch_log" ORDER BY i')).toEqual([{ i: 1 }, { i: 2 }]);
  });
});
