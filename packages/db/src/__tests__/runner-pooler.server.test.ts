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
import { openPostgresDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
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
