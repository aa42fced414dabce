import {
  type LockRetry,
  MIGRATOR_LOCK_KEY,
  type RunnerError,
  readMigrationFolder,
  runMigrations,
} from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { runCommand } from "../testing/run-command.ts";
import { MIGRATIONS_FOLDER, TEST_SERVER_URL } from "../testing/test-database.ts";
import { testResources } from "../testing/test-resources.ts";

/**
 * What needs a server: several sessions at once (concurrent deploys, a lock held by another
 * session) and network logins. PGlite is one connection, so these run in
 * the postgres project only.
 */
const resources = testResources();

const freshDatabase = () => resources.serverDatabase({ migrate: false });
const otherSession = (url: string) => resources.session(url);

const scratch = () => resources.scratch();

describe("on the PostgreSQL server", () => {
  it("eight db:migrate processes at once: each migration applied once, all exit 0, db:verify passes", async () => {
    const t = await freshDatabase();
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCommand("migrate", [], { DATABASE_URL: t.url })));
    expect(runs.map((r) => [r.code, r.stderr])).toEqual(Array.from({ length: 8 }, () => [0, ""]));
    const stateLines = runs.map((r) => r.stdout.split("\n").find((l) => l.startsWith("Migration state:")));
    const n = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;
    expect(stateLines.filter((l) => l === `Migration state: 0 applied, ${n} expected, ${n} pending`)).toHaveLength(1);
    expect(stateLines.filter((l) => l === `Migration state: ${n} applied, ${n} expected, 0 pending`)).toHaveLength(7);
    const [counts] = await t.driver.query<{ n: number; hashes: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT hash)::int AS hashes FROM drizzle.__drizzle_migrations",
    );
    expect(counts).toEqual({ n, hashes: n });
    const verify = await runCommand("verify", [], { DATABASE_URL: t.url });
    expect(verify.code).toBe(0);
  });

  it("a lock held by another session: the migration is rolled back and retried with backoff, then fails cleanly", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const folder = readMigrationFolder(s.dir);
    await runMigrations(t.driver, folder);
    const tag = s.add("alter_user", 'ALTER TABLE "user" ADD COLUMN "scratch_flag" boolean;');
    const holder = await otherSession(t.url);
    await holder.exec('BEGIN; LOCK TABLE "user" IN ACCESS SHARE MODE');

    const retries: LockRetry[] = [];
    const error = (await runMigrations(t.driver, readMigrationFolder(s.dir), {
      lockTimeoutMs: 100,
      lockRetries: 2,
      retryDelayMs: 20,
      onEvent: (e) => e.type === "retry" && retries.push(e.retry),
    }).catch((e: unknown) => e)) as RunnerError;
    // Doubling delays with equal jitter: between half and all of 20 ms, then of 40 ms.
    expect(retries).toEqual([
      { tag, attempt: 1, of: 3, delayMs: expect.any(Number), transaction: true },
      { tag, attempt: 2, of: 3, delayMs: expect.any(Number), transaction: true },
    ]);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(10);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(20);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(20);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(40);
    expect(error.problem).toMatchObject({
      kind: "lock-timeout",
      attempts: 3,
      lockTimeoutMs: 100,
      at: { tag, statement: 1 },
      database: { code: "55P03" },
    });
    expect(error.message).toContain(`migration ${tag} could not get a lock within 100 ms`);
    const [column] = await t.driver.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'user' AND column_name = 'scratch_flag'",
    );
    expect(column?.n).toBe(0);

    const cli = await runCommand(
      "migrate",
      ["--migrations", s.dir, "--lock-timeout", "100", "--lock-retries", "1", "--retry-delay", "10"],
      { DATABASE_URL: t.url },
    );
    expect(cli.code).toBe(5);
    expect(cli.stderr).toMatch(
      new RegExp(`${tag}: lock_timeout \\(attempt 1 of 2\\); rolled back, retrying in (5|6|7|8|9|10) ms`),
    );
    expect(cli.stderr).toContain("fix: another session holds a lock on the same object");

    await holder.exec("COMMIT");
    const done = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(done.applied.map((m) => m.tag)).toEqual([tag]);
  });

  it("a run that cannot get the migrator's advisory lock in time fails without reading or applying anything", async () => {
    const t = await freshDatabase();
    const holder = await otherSession(t.url);
    await holder.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    const events: string[] = [];
    const error = (await runMigrations(t.driver, readMigrationFolder(scratch().dir), {
      waitTimeoutMs: 300,
      onEvent: (event) => events.push(event.type === "waiting" ? event.message : event.type),
    }).catch((e: unknown) => e)) as RunnerError;
    expect(error.problem).toMatchObject({ kind: "runner-busy", lockKey: MIGRATOR_LOCK_KEY });
    // It said, before waiting, what it waits for and how long (not silent, as a hung deploy would be).
    expect(events).toEqual([
      `another run holds the migrator's lock on this database (key ${MIGRATOR_LOCK_KEY}): waiting up to 300 ms for it to finish (--wait-timeout, MIGRATE_WAIT_TIMEOUT)`,
    ]);
    const [table] = await t.driver.query<{ present: boolean }>(
      "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present",
    );
    expect(table?.present).toBe(false);
  });

  it("db:accept-hash says it waits for another run's lock, then gives up after --wait-timeout (exit 5), changing nothing", async () => {
    const t = await freshDatabase();
    const s = scratch();
    const tag = s.add("to_edit", 'CREATE TABLE "accept_wait" ("id" integer);');
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    s.write(tag, `-- reviewed\n${s.read(tag)}`);
    const holder = await otherSession(t.url);
    await holder.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    const run = await runCommand(
      "accept-hash",
      [tag, "--migrations", s.dir, "--without-git", "--wait-timeout", "300"],
      { DATABASE_URL: t.url },
    );
    expect(run.code, run.stderr).toBe(5);
    expect(run.stdout).toContain(
      `another run holds the migrator's lock on this database (key ${MIGRATOR_LOCK_KEY}): waiting up to 300 ms for it to finish`,
    );
    const [row] = await t.driver.query<{ hash: string }>(
      "SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id DESC LIMIT 1",
    );
    expect(row!.hash).not.toBe(readMigrationFolder(s.dir).migrations.at(-1)!.hash);
  });

  it("an unreachable server and bad credentials exit 4 with the reason and never the password", async () => {
    const unreachable = await runCommand("migrate", [], {
      DATABASE_URL: "postgres://trovella:hunter2-secret@127.0.0.1:1/trovella",
    });
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain("the server cannot be reached");
    expect(unreachable.stderr).toContain("postgres://trovella:***@127.0.0.1:1/trovella");
    expect(unreachable.stderr + unreachable.stdout).not.toContain("hunter2-secret");

    const wrong = new URL(TEST_SERVER_URL);
    wrong.password = "hunter2-secret";
    const refused = await runCommand("verify", ["--json"], { DATABASE_URL: wrong.toString() });
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      error: { code: "connection-failed", reason: "authentication", sqlstate: "28P01" },
    });
    expect(refused.stderr + refused.stdout).not.toContain("hunter2-secret");
  });

  it("a password with an unencoded # ? / exits 4, says to percent-encode it, and never prints it", async () => {
    const run = await runCommand("migrate", [], {
      DATABASE_URL: "postgres://trovella:hun#ter2?sec/ret@127.0.0.1:5433/trovella",
    });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain("the connection URL cannot be parsed");
    expect(run.stderr).toContain("percent-encode");
    expect(run.stderr + run.stdout).not.toMatch(/ter2|sec\/ret/);
  });

  it("never prints a password that makes the URL parse as another host, with its digits as the port (user:5433/pw@…)", async () => {
    for (const password of ["5433/hun7er-pw", "99#hun7er-pw", "99?hun7er-pw"]) {
      const run = await runCommand("status", ["--migrations", MIGRATIONS_FOLDER], {
        DATABASE_URL: `postgres://trovella-nohost:${password}@127.0.0.1:5433/trovella`,
      });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr + run.stdout).not.toContain("hun7er");
    }
  });

  it("a key file the URL names that is not there exits 4 and says so, not that the URL does not parse", async () => {
    const url = new URL(TEST_SERVER_URL);
    url.searchParams.set("sslkey", "/nonexistent/client.key");
    url.searchParams.set("sslmode", "no-verify");
    const run = await runCommand("status", ["--migrations", MIGRATIONS_FOLDER], { DATABASE_URL: url.toString() });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain("a file the connection URL names cannot be read");
    expect(run.stderr).not.toContain("percent-encode");
  });

  it("never prints an sslpassword given in the URL", async () => {
    const url = new URL(TEST_SERVER_URL);
    url.searchParams.set("sslpassword", "s3cret-key-passphrase");
    const run = await runCommand("status", ["--migrations", MIGRATIONS_FOLDER], { DATABASE_URL: url.toString() });
    expect(run.stdout).toContain("sslpassword=***");
    expect(run.stderr + run.stdout).not.toContain("s3cret-key-passphrase");
  });
});
