/**
 * The runner behind a transaction-mode pooler (PgBouncer, `pnpm db:server` starts it on 6432;
 * `TEST_PGBOUNCER_URL` points elsewhere). Such a pooler hands each transaction whichever server
 * connection is free, so the runner's session-level advisory lock, `lock_timeout` and
 * `statement_timeout` stay on one server connection while a migration may run on another, waiting
 * for locks without bound next to a concurrent run. The test makes that happen for certain: while
 * the first migration sleeps (3 s), other clients fill the pool and one waits for a connection (a
 * BEGIN that has no answer after 600 ms, margins for a loaded machine), so the runner's
 * connection goes to it when the migration commits. The test fails (it does not skip)
 * when PgBouncer is not there.
 */
import {
  acceptMigrationHashes,
  type Driver,
  MIGRATOR_LOCK_KEY,
  openPostgresDriver,
  readMigrationFolder,
  runMigrations,
} from "@repo/migrator";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { problemOf } from "../testing/runner-problem.ts";
import { testResources } from "../testing/test-resources.ts";

const PGBOUNCER_URL = process.env["TEST_PGBOUNCER_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:6432/trovella";

const resources = testResources();

/** A client through the pooler, ended after the test. */
async function pooledClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "pool-filler" });
  client.on("error", () => undefined);
  await client.connect();
  resources.later(() => client.end().catch(() => undefined));
  return client;
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return settled;
}

describe("through PgBouncer in transaction pooling mode", () => {
  it("stops before a migration whose transaction is not on the session holding the lock and the settings", async () => {
    const t = await resources.serverDatabase();
    const through = new URL(PGBOUNCER_URL);
    const pooled = new URL(t.url);
    pooled.host = through.host;
    const s = resources.scratch();
    const sleeper = s.add("sleep_while_the_pool_fills", "SELECT pg_sleep(3);");
    const moved = s.add("after_the_move", 'CREATE TABLE "pooler_probe" ("id" integer);');
    const driver = await openPostgresDriver(pooled.toString(), { applicationName: "pooled-migrator" });
    resources.later(() => driver.close().catch(() => undefined));

    // Its failure is taken at once: the run may fail while the pool is still being filled below,
    // and a rejection nobody listens to yet fails the whole test run.
    const outcome = problemOf(runMigrations(driver, readMigrationFolder(s.dir)));
    let runner: number | undefined;
    for (let i = 0; i < 100 && runner === undefined; i++) {
      const [row] = await t.driver.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(3);' AND state = 'active'",
      );
      runner = row?.pid;
      if (runner === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(runner, "the first migration never started through the pooler").toBeDefined();
    // Every other server connection of the pool taken by an open transaction, and one client more
    // waiting: the runner's connection goes to that client when the first migration commits.
    const holders: pg.Client[] = [];
    let waiting: { client: pg.Client; begun: Promise<unknown> } | undefined;
    while (!waiting && holders.length < 50) {
      const client = await pooledClient(pooled.toString());
      const begun = client.query("BEGIN; SELECT 1");
      if (await settlesWithin(begun, 600)) holders.push(client);
      else waiting = { client, begun };
    }
    expect(waiting, "the pool never filled").toBeDefined();
    await waiting!.begun;
    const [got] = (await waiting!.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
    expect(got!.pid, "the waiting client got the runner's server connection").toBe(runner);
    for (const holder of holders) await holder.query("COMMIT");

    const problem = await outcome;
    expect(problem).toMatchObject({ kind: "session-moved", tag: moved, lockHolderPid: runner });
    const [applied] = await t.driver.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations",
    );
    const [table] = await t.driver.query<{ present: boolean }>(
      "SELECT to_regclass('pooler_probe') IS NOT NULL AS present",
    );
    expect(table!.present).toBe(false);
    expect(applied!.n).toBe(s.entries().length - 1);
    expect(sleeper).toBeTruthy();
    await waiting!.client.query("COMMIT");
  });
});

describe("through PgBouncer, another client's transaction on the run's server connection between two attempts", () => {
  /**
   * A migration whose first attempt times out on a lock a direct session holds; while the runner
   * waits to retry, an app transaction that PgBouncer puts on the runner's server connection
   * cleans up as the app's tenant context does (`RESET ALL`, and maybe `pg_advisory_unlock_all()`).
   * Returns the run's outcome once the app transaction is done and the lock holder has let go.
   */
  async function resetBetweenAttempts(cleanup: string) {
    const t = await resources.serverDatabase();
    const pooled = new URL(t.url);
    pooled.host = new URL(PGBOUNCER_URL).host;
    const s = resources.scratch();
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    await t.driver.exec('CREATE TABLE "pool_busy" ("id" integer)');
    const tag = s.add(
      "retried_after_reset",
      [
        "CREATE TABLE \"pool_probe\" AS SELECT current_setting('lock_timeout') AS lock_timeout;",
        'ALTER TABLE "pool_busy" ADD COLUMN "x" integer;',
      ].join("\n--> statement-breakpoint\n"),
    );
    const blocker = await resources.session(t.url);
    await blocker.exec('BEGIN; LOCK TABLE "pool_busy" IN ACCESS SHARE MODE');
    const driver = await openPostgresDriver(pooled.toString(), { applicationName: "pooled-migrator" });
    resources.later(() => driver.close().catch(() => undefined));

    let appDone: Promise<number> | undefined;
    // The app's transaction: a client through the pooler that got the runner's server connection
    // (the others hold theirs in an open transaction until it is found).
    const app = async (): Promise<number> => {
      const [holder] = await t.driver.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [MIGRATOR_LOCK_KEY],
      );
      const others: pg.Client[] = [];
      try {
        // At most as many clients as the pool has server connections (5): one more would wait for ever.
        for (let i = 0; i < 5; i++) {
          const client = await pooledClient(pooled.toString());
          await client.query("BEGIN");
          const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          if (rows[0]!.pid !== holder!.pid) {
            others.push(client);
            continue;
          }
          await client.query(`${cleanup}; COMMIT`);
          return rows[0]!.pid;
        }
        throw new Error("no pooled client got the runner's server connection");
      } finally {
        for (const other of others) await other.query("COMMIT");
        await blocker.exec("COMMIT");
      }
    };
    const outcome = runMigrations(driver, readMigrationFolder(s.dir), {
      lockTimeoutMs: 200,
      lockRetries: 2,
      // 4 to 8 s: time enough for the app's transaction on a slow machine.
      retryDelayMs: 8000,
      onEvent: (event) => {
        if (event.type === "retry" && !appDone) appDone = app();
      },
    }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error: error as Error & { problem?: unknown } }),
    );
    const done = await outcome;
    expect(appDone, "the first attempt never timed out").toBeDefined();
    await appDone;
    return { t, tag, expected: s.entries().length, ...done };
  }

  it("runs the retry with the runner's lock_timeout, not the one the app's RESET ALL left", async () => {
    const { t, tag, result, error } = await resetBetweenAttempts("RESET ALL");
    expect(error).toBeUndefined();
    expect(result?.applied).toMatchObject([{ tag, attempts: 2 }]);
    expect(await t.driver.query("SELECT lock_timeout FROM pool_probe")).toEqual([{ lock_timeout: "200ms" }]);
  });

  it("stops before the retry when the app's transaction released the run's advisory lock, and records nothing", async () => {
    const { t, tag, expected, error } = await resetBetweenAttempts("SELECT pg_advisory_unlock_all(); RESET ALL");
    expect(error?.problem).toMatchObject({ kind: "lock-lost", tag, progress: { transaction: true } });
    expect(error?.message).toContain(`nothing of ${tag} was kept (one transaction)`);
    const [probe] = await t.driver.query<{ present: boolean }>(
      "SELECT to_regclass('pool_probe') IS NOT NULL AS present",
    );
    expect(probe!.present).toBe(false);
    const [row] = await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
    expect(row!.n).toBe(expected - 1);
  });
});

describe("db:accept-hash through PgBouncer in transaction pooling mode", () => {
  it("leaves no migrator lock behind when another client gets its server connection between two statements", async () => {
    const t = await resources.serverDatabase({ migrate: false });
    const through = new URL(PGBOUNCER_URL);
    const pooled = new URL(t.url);
    pooled.host = through.host;
    const s = resources.scratch();
    const tag = s.add("to_edit", 'CREATE TABLE "accept_probe" ("id" integer);');
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    s.write(tag, `${s.read(tag)}\n-- a reviewed comment\n`);
    const driver = await openPostgresDriver(pooled.toString(), { applicationName: "pooled-accept" });
    resources.later(() => driver.close().catch(() => undefined));
    // After each of its statements, another client through the pooler opens a transaction on the
    // server connection that statement just gave back (PgBouncer hands out the last one freed), and
    // the client before it lets go: at most two held, in a pool of five.
    let other: pg.Client | undefined;
    const interleaved: Driver = {
      ...driver,
      query: async (sql, params) => {
        const rows = await driver.query(sql, params);
        const previous = other;
        other = await pooledClient(pooled.toString());
        await other.query("BEGIN; SELECT 1");
        await previous?.query("COMMIT");
        return rows as never;
      },
    };
    const accepted = await acceptMigrationHashes(interleaved, readMigrationFolder(s.dir), [tag], { withoutGit: true });
    expect(accepted.map((a) => a.tag)).toEqual([tag]);
    const held = await t.driver.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = (${MIGRATOR_LOCK_KEY}::bigint >> 32)::oid
          AND objid = (${MIGRATOR_LOCK_KEY}::bigint & 4294967295)::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    await other?.query("COMMIT");
    expect(held).toEqual([]);
    const [row] = await t.driver.query<{ hash: string }>(
      "SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id DESC LIMIT 1",
    );
    expect(row!.hash).toBe(readMigrationFolder(s.dir).migrations.at(-1)!.hash);
  });
});
