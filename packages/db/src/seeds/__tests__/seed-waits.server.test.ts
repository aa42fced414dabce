/**
 * Two db:seed runs on one server go one after the other (a session advisory lock): the second
 * says that it waits and for what, instead of hanging without a word, and SIGINT stops it while it
 * waits, with the interrupted exit code and nothing written. Server only: the embedded database
 * refuses a second process outright (seed-folder-lock.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCommand } from "../../testing/run-command.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";

/** seed-database.ts's lock: what a running db:seed holds. */
const SEED_RUN_LOCK = 7_411_935_000;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
});
afterAll(async () => {
  await t?.close();
});

describe("db:seed while another run holds the seed lock", () => {
  it("says it waits, and SIGINT stops it there: exit 130, what ran, nothing written", async () => {
    if (t.connection.kind !== "postgres") throw new Error("server only");
    await t.driver.query("select pg_advisory_lock($1)", [SEED_RUN_LOCK]);
    try {
      const run = startCommand("seed", ["--tier", "reference"], { DATABASE_URL: t.connection.url });
      for (let i = 0; i < 200 && !run.stderrSoFar().includes("waiting for it"); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(run.stderrSoFar()).toContain(
        "another db:seed is running on this database: waiting for it to finish (Ctrl-C stops)",
      );
      run.child.kill("SIGINT");
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(130);
      expect(stderr).toContain("SIGINT: stopping after the running tier");
      expect(stderr).toContain(
        "interrupted by SIGINT while waiting for another db:seed: no tier ran; nothing later ran.",
      );
      const [models] = await t.driver.query<{ n: number }>("select count(*)::int as n from ai_model");
      expect(models?.n).toBe(0);
    } finally {
      await t.driver.query("select pg_advisory_unlock($1)", [SEED_RUN_LOCK]);
    }
  });
});

describe("db:seed when the server ends its session", () => {
  it("exits 4 with the error and its fix, not a crash on an unhandled 'error' event", async () => {
    if (t.connection.kind !== "postgres") throw new Error("server only");
    // The reference tier waits behind this lock; its session is then ended by the server.
    await t.driver.exec("begin; lock table ai_model in access exclusive mode");
    try {
      const run = startCommand("seed", ["--tier", "reference"], { DATABASE_URL: t.connection.url });
      let ended = 0;
      for (let i = 0; i < 200 && ended === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Inside a transaction pg_stat_activity is read once, unless its snapshot is cleared.
        await t.driver.query("select pg_stat_clear_snapshot()");
        const [row] = await t.driver.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
        );
        ended = row?.n ?? 0;
      }
      expect(ended).toBeGreaterThan(0); // the tier may wait on more than one connection
      const { code, stdout, stderr } = await run.done;
      expect(stderr).not.toContain("Unhandled 'error' event");
      expect(stderr).toMatch(/^error: The connection to the database was lost while seed tier "reference" ran: /m);
      expect(stderr).toMatch(/^fix: Check the server .* and run the command again/m);
      expect(stdout).toBe("");
      expect(code, stderr).toBe(4);
    } finally {
      await t.driver.exec("rollback");
    }
  });
});

describe("db:seed on a server whose idle_session_timeout is shorter than a tier", () => {
  it("keeps its lock for the whole run: the session holding it is not ended while it waits idle", async () => {
    if (t.connection.kind !== "postgres") throw new Error("server only");
    const [{ db } = { db: "" }] = await t.driver.query<{ db: string }>("select current_database() as db");
    await t.driver.exec(`alter database "${db}" set idle_session_timeout = '300ms'`);
    // Our own session predates the setting; the tier waits behind this lock for over a second.
    await t.driver.exec("begin; lock table ai_model in access exclusive mode");
    try {
      const run = startCommand("seed", ["--tier", "reference"], { DATABASE_URL: t.connection.url });
      let waiting = 0;
      for (let i = 0; i < 200 && waiting === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await t.driver.query("select pg_stat_clear_snapshot()");
        const [row] = await t.driver.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
        );
        waiting = row?.n ?? 0;
      }
      expect(waiting).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 900)); // three idle timeouts
      const [held] = await t.driver.query<{ n: number }>(
        `select count(*)::int as n from pg_locks
          where locktype = 'advisory' and objid = $1::bigint % 4294967296
            and database = (select oid from pg_database where datname = current_database())`,
        [SEED_RUN_LOCK],
      );
      expect(held?.n).toBe(1);
      await t.driver.exec("rollback");
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(0);
    } finally {
      await t.driver.exec("rollback").catch(() => undefined);
      await t.driver.exec(`alter database "${db}" reset idle_session_timeout`);
    }
  });
});
