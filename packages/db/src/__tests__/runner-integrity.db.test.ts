/**
 * The runner's promises under SQL and settings a real team writes, on the engine of the test
 * project: a migration cannot end or undo the transaction it runs in; one migration's session
 * settings never reach the next; an edited or replaced migration is accepted only with evidence.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationStatus, readMigrationFolder, type RunOptions, runMigrations, verifyMigrations } from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { openPglite } from "../connection.ts";
import { runCommand, startCommand } from "../testing/run-command.ts";
import { type ScratchMigrations } from "../testing/scratch-migrations.ts";
import { createTestDataDir, type TestDatabase, testEngine } from "../testing/test-database.ts";
import { problemOf } from "../testing/runner-problem.ts";
import { testResources } from "../testing/test-resources.ts";

const resources = testResources();

/** A database with Trovella's whole history applied, and a scratch copy of that history to add to. */
async function migratedWithScratch(): Promise<{ t: TestDatabase; s: ScratchMigrations }> {
  return { t: await resources.database(), s: resources.scratch() };
}

async function exists(t: TestDatabase, name: string): Promise<boolean> {
  const [row] = await t.driver.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [name]);
  return row!.present;
}

async function recorded(t: TestDatabase): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
  return row!.n;
}

const breakpoint = "\n--> statement-breakpoint\n";

/** An empty database a command opens itself. */
const commandTarget = () => resources.commandTarget({ migrate: false });

describe("transaction control inside a migration that runs in one transaction", () => {
  it("each of BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT is refused before anything runs, all named at once", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const controls = ["ROLLBACK", "COMMIT", "BEGIN", "END", "ABORT", "SAVEPOINT keep", "START TRANSACTION"];
    const tags = controls.map((control, i) =>
      s.add(
        `control_${i}`,
        [`CREATE TABLE "tc_${i}_a" ("id" integer);`, `${control};`, `CREATE TABLE "tc_${i}_b" ("id" integer);`].join(
          breakpoint,
        ),
      ),
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    // PostgreSQL's parser reads END as COMMIT and ABORT as ROLLBACK.
    const commands = ["ROLLBACK", "COMMIT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "START TRANSACTION"];
    expect(problem).toEqual({
      kind: "transaction-control",
      statements: tags.map((tag, i) => ({
        tag,
        file: join(s.dir, `${tag}.sql`),
        line: 3,
        command: commands[i],
        reason: expect.stringContaining("ends or undoes part of that transaction"),
      })),
    });
    for (const i of controls.keys()) expect(await exists(t, `tc_${i}_a`)).toBe(false);
    expect(await recorded(t)).toBe(before);
  });

  it("the command exits 2, naming file:line, and applies nothing of the run", async () => {
    const env = await commandTarget();
    const s = resources.scratch();
    s.add("clean_one", 'CREATE TABLE "tc_clean" ("id" integer);');
    const tag = s.add(
      "commit_half",
      ['CREATE TABLE "tc_half" ("id" integer);', "COMMIT;", 'CREATE TABLE "tc_half" ("id" integer);'].join(breakpoint),
    );
    const run = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(s.dir, `${tag}.sql`)}:3: COMMIT:`);
    expect(run.stderr).toContain("nothing was applied");
    const status = await runCommand("status", ["--migrations", s.dir, "--json"], env);
    expect((JSON.parse(status.stdout) as { applied: number }).applied).toBe(0);
  });

  it("a migration declared as managing its own transactions runs statement by statement, as Drizzle would", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "own_commit",
      ['CREATE TABLE "tc_own_a" ("id" integer);', "COMMIT;", 'CREATE TABLE "tc_own_b" ("id" integer);'].join(
        breakpoint,
      ),
    );
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir), {
      selfManagedTransactions: { [tag]: "adopted history: commits its enum value before using it" },
    });
    expect(result.applied).toMatchObject([{ tag, transaction: false }]);
    expect(await exists(t, "tc_own_a")).toBe(true);
    expect(await exists(t, "tc_own_b")).toBe(true);
    expect(result.verification.ok).toBe(true);
  });

  it("a self-managed transaction may begin with SET TRANSACTION: the runner sends nothing between its BEGIN and COMMIT", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "own_serializable",
      [
        "-- migrator:no-transaction",
        "BEGIN;",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
        "CREATE TABLE \"tc_isolation\" AS SELECT current_setting('transaction_isolation') AS level;",
        "COMMIT;",
        "START TRANSACTION;",
        "SET TRANSACTION READ WRITE;",
        'CREATE TABLE "tc_isolation_b" ("id" integer);',
        "COMMIT;",
      ].join(breakpoint),
    );
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied).toMatchObject([{ tag, transaction: false }]);
    expect(await t.driver.query("SELECT level FROM tc_isolation")).toEqual([{ level: "serializable" }]);
    expect(await exists(t, "tc_isolation_b")).toBe(true);
    expect(result.verification.ok).toBe(true);
  });

  it("a failure inside a self-managed transaction rolls it back, leaves the session usable and counts only what committed", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "own_failing",
      [
        "-- migrator:no-transaction",
        'CREATE TABLE "tc_own_kept" ("id" integer);',
        "BEGIN;",
        'CREATE TABLE "tc_own_lost" ("id" integer);',
        "SELECT 1 / 0;",
        "COMMIT;",
      ].join(breakpoint),
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({
      kind: "migration-failed",
      at: { tag, line: 9 },
      progress: { transaction: false, applied: 1, total: 5 },
    });
    expect(await exists(t, "tc_own_kept")).toBe(true);
    // The session is not left inside the failed transaction, and the run's lock was released.
    const [locks] = await t.driver.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
    );
    expect(locks!.n).toBe(0);
    expect(await exists(t, "tc_own_lost")).toBe(false);
  });

  it("COMMIT AND CHAIN: what came before it is counted as staying when the chained transaction fails", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "own_chain",
      [
        "-- migrator:no-transaction",
        "BEGIN;",
        'CREATE TABLE "tc_chain_kept" ("id" integer);',
        "COMMIT AND CHAIN;",
        'CREATE TABLE "tc_chain_lost" ("id" integer);',
        "SELECT 1 / 0;",
        "COMMIT;",
      ].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "migration-failed", progress: { applied: 3, total: 6 } });
    expect(error?.message).toContain(`${tag} runs statement by statement: its first 3 of 6 statements stay applied`);
    expect(await exists(t, "tc_chain_kept")).toBe(true);
    expect(await exists(t, "tc_chain_lost")).toBe(false);
  });

  it("a statement-by-statement migration must close every BEGIN it opens", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "unclosed_begin",
      ["-- migrator:no-transaction", "BEGIN;", 'CREATE TABLE "tc_open" ("id" integer);'].join(breakpoint),
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({ kind: "transaction-control", statements: [{ tag, line: 3, command: "BEGIN" }] });
    expect(await exists(t, "tc_open")).toBe(false);
  });
});

describe("one migration's session settings never reach the next", () => {
  it("resets search_path, lock_timeout, the role, custom settings and temporary tables after each migration", async () => {
    const { t, s } = await migratedWithScratch();
    s.add(
      "leaky_settings",
      [
        'CREATE SCHEMA IF NOT EXISTS "other";',
        'SET search_path = "other", public;',
        "SET lock_timeout = 0;",
        "SET statement_timeout = 0;",
        "SET client_connection_check_interval = 0;",
        "SELECT set_config('app.tenant_id', 'leaked', false);",
        "CREATE TEMP TABLE leaked_temp (id integer);",
        "SET ROLE authenticated;",
      ].join(breakpoint),
    );
    s.add(
      "probe_settings",
      `CREATE TABLE "settings_probe" AS SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout, current_user::text AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant, to_regclass('pg_temp.leaked_temp') IS NOT NULL AS temp_table, current_setting('client_connection_check_interval') AS connection_check;`,
    );
    const [session] = await t.driver.query<{ who: string; search_path: string }>(
      "SELECT current_user::text AS who, current_setting('search_path') AS search_path",
    );
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.verification.ok).toBe(true);
    expect(await exists(t, "public.settings_probe")).toBe(true);
    expect(await exists(t, "other.settings_probe")).toBe(false);
    const [probe] = await t.driver.query("SELECT * FROM public.settings_probe");
    expect(probe).toEqual({
      search_path: session!.search_path,
      lock_timeout: "300ms",
      who: session!.who,
      tenant: "",
      temp_table: false,
      // On a server the runner keeps checking that its client is there (a killed run's locks go).
      connection_check: t.engine === "postgres" ? "1s" : "0",
    });
    const [owner] = await t.driver.query<{ owner: string }>(
      "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.settings_probe'::regclass",
    );
    expect(owner!.owner).toBe(session!.who);
  });

  it("closes a cursor WITH HOLD a migration left, so a later one may declare the name again", async () => {
    const { t, s } = await migratedWithScratch();
    s.add("leaky_cursor", "DECLARE leaked_cursor CURSOR WITH HOLD FOR SELECT 1;");
    s.add("same_cursor", "DECLARE leaked_cursor CURSOR WITH HOLD FOR SELECT 2;");
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.verification.ok).toBe(true);
    const [left] = await t.driver.query<{ cursors: number }>(
      "SELECT count(*)::int AS cursors FROM pg_cursors WHERE name = 'leaked_cursor'",
    );
    expect(left!.cursors).toBe(0);
  });

  it("writes each row, and runs the next migration, as the runner after SET SESSION AUTHORIZATION or a read-only default", async () => {
    const { t, s } = await migratedWithScratch();
    const [me] = await t.driver.query<{ who: string; superuser: boolean }>(
      "SELECT session_user::text AS who, rolsuper AS superuser FROM pg_roles WHERE rolname = session_user",
    );
    // A role with no right on the schema drizzle: a row written as it would be refused.
    const other = `migrator_other_${process.pid}_${Date.now()}`;
    await t.driver.exec(`CREATE ROLE "${other}" NOLOGIN`);
    resources.later(async () => {
      await t.driver
        .exec(`SET SESSION AUTHORIZATION "${me!.who}"; DROP ROLE IF EXISTS "${other}"`)
        .catch(() => undefined);
    });
    const become = s.add(
      "become_other",
      ['CREATE TABLE "authz_a" ("id" integer);', `SET SESSION AUTHORIZATION "${other}";`].join(breakpoint),
    );
    if (!me!.superuser) {
      // Only a superuser may change the session user: the migration fails at that line, rolled back.
      const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
      expect(problem).toMatchObject({ kind: "migration-failed", at: { tag: become, line: 3 } });
      expect(await exists(t, "authz_a")).toBe(false);
      return;
    }
    s.add(
      "become_other_autocommit",
      [
        "-- migrator:no-transaction",
        'CREATE TABLE "authz_b" ("id" integer);',
        `SET SESSION AUTHORIZATION "${other}";`,
        "SET default_transaction_read_only = on;",
      ].join(breakpoint),
    );
    s.add(
      "probe_author",
      `CREATE TABLE "authz_probe" AS SELECT session_user::text AS session_user, current_user::text AS current_user, current_setting('default_transaction_read_only') AS read_only;`,
    );
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.verification.ok).toBe(true);
    const [probe] = await t.driver.query("SELECT * FROM public.authz_probe");
    expect(probe).toEqual({ session_user: me!.who, current_user: me!.who, read_only: "off" });
    const [after] = await t.driver.query("SELECT session_user::text AS s, current_user::text AS c");
    expect(after).toEqual({ s: me!.who, c: me!.who });
  });
});

describe("a run that begins under a role (SET ROLE before runMigrations, or ALTER ROLE … SET role)", () => {
  /**
   * A deploy role with least privilege: it may create tables in public and use the bookkeeping
   * table, but create neither a schema nor a table in drizzle. The session starts as ourselves and
   * takes the role, as `-c role=…` in the connection or `ALTER ROLE … SET role` would.
   */
  async function asDeployRole(t: TestDatabase): Promise<string> {
    const role = `migrator_deploy_${process.pid}_${Date.now()}`;
    const [me] = await t.driver.query<{ who: string }>("SELECT session_user::text AS who");
    await t.driver.exec(
      [
        `CREATE ROLE "${role}" NOLOGIN`,
        `GRANT "${role}" TO "${me!.who}"`,
        `GRANT CREATE ON SCHEMA public TO "${role}"`,
        `GRANT USAGE ON SCHEMA drizzle TO "${role}"`,
        `GRANT SELECT, INSERT ON drizzle.__drizzle_migrations TO "${role}"`,
        `GRANT USAGE ON SEQUENCE drizzle.__drizzle_migrations_id_seq TO "${role}"`,
      ].join("; "),
    );
    resources.later(async () => {
      await t.driver.exec(`RESET ROLE; DROP OWNED BY "${role}"; DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
    });
    await t.driver.exec(`SET ROLE "${role}"`);
    return role;
  }

  async function ownerOf(t: TestDatabase, table: string): Promise<string> {
    const [row] = await t.driver.query<{ owner: string }>(
      "SELECT pg_get_userbyid(relowner)::text AS owner FROM pg_class WHERE oid = to_regclass($1)",
      [table],
    );
    return row!.owner;
  }

  it("needs no right to create the schema or table drizzle when they exist", async () => {
    const { t, s } = await migratedWithScratch();
    s.add("deployed_by_role", 'CREATE TABLE "deployed_by_role" ("id" integer);');
    const role = await asDeployRole(t);
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.verification.ok).toBe(true);
    expect(await ownerOf(t, "deployed_by_role")).toBe(role);
  });

  it("runs every migration as that role, not only the first one", async () => {
    const { t, s } = await migratedWithScratch();
    s.add("owned_first", 'CREATE TABLE "owned_first" ("id" integer);');
    s.add("owned_second", 'CREATE TABLE "owned_second" ("id" integer);');
    const role = await asDeployRole(t);
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied).toHaveLength(2);
    expect(await ownerOf(t, "owned_first")).toBe(role);
    expect(await ownerOf(t, "owned_second")).toBe(role);
    const [after] = await t.driver.query<{ role: string }>("SELECT current_user::text AS role");
    expect(after!.role).toBe(role);
  });
});

describe("a drizzle.__drizzle_migrations the runner cannot use", () => {
  it("is named as not Drizzle's (a sequence, a table of other columns) before anything is applied", async () => {
    for (const impostor of [
      "CREATE SEQUENCE drizzle.__drizzle_migrations",
      "CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL)",
    ]) {
      const t = await resources.database({ migrate: false });
      const s = resources.scratch();
      await t.driver.exec(`CREATE SCHEMA drizzle; ${impostor}`);
      for (const run of [
        () => migrationStatus(t.driver, readMigrationFolder(s.dir)),
        () => runMigrations(t.driver, readMigrationFolder(s.dir)),
      ]) {
        const error = await run().then(
          () => undefined,
          (e: unknown) => e as Error & { problem?: unknown },
        );
        expect(error?.problem, impostor).toMatchObject({ kind: "bookkeeping-unusable", columns: expect.any(Array) });
        expect(error?.message).toContain("drizzle.__drizzle_migrations is not Drizzle's bookkeeping table");
      }
      const [tables] = await t.driver.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace",
      );
      expect(tables!.n, "nothing was applied").toBe(0);
    }
  });

  it("says which user cannot read it, and what it needs, when a right is missing", async () => {
    const { t, s } = await migratedWithScratch();
    const role = `migrator_reader_${process.pid}_${Date.now()}`;
    await t.driver.exec(`CREATE ROLE "${role}" NOLOGIN`);
    resources.later(async () => {
      await t.driver.exec(`RESET ROLE; DROP OWNED BY "${role}"; DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
    });
    // No USAGE on schema drizzle, then USAGE but no SELECT on the table (only DELETE, which the
    // information_schema view Drizzle's migrators read would have hidden the table for).
    for (const grant of [
      "",
      `GRANT USAGE ON SCHEMA drizzle TO "${role}"; GRANT DELETE ON drizzle.__drizzle_migrations TO "${role}"`,
    ]) {
      if (grant) await t.driver.exec(grant);
      await t.driver.exec(`SET ROLE "${role}"`);
      for (const run of [
        () => migrationStatus(t.driver, readMigrationFolder(s.dir)),
        () => runMigrations(t.driver, readMigrationFolder(s.dir)),
        () => verifyMigrations(t.driver, readMigrationFolder(s.dir)),
      ]) {
        const error = await run().then(
          () => undefined,
          (e: unknown) => e as Error & { problem?: unknown; fix?: string },
        );
        expect(error?.problem, grant || "no grant").toMatchObject({
          kind: "bookkeeping-unusable",
          user: role,
          database: { code: "42501" },
        });
        expect(error?.fix).toContain("USAGE on schema drizzle, SELECT and INSERT on the table");
      }
      await t.driver.exec("RESET ROLE");
    }
  });
});

describe("the session options a library caller passes", () => {
  it("are refused as the command line's are, before the run touches the database", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    s.add("never_applied", 'CREATE TABLE "options_probe" ("id" integer);');
    const folder = readMigrationFolder(s.dir);
    await t.driver.exec("SET lock_timeout = '5s'");
    // 0 and 0.5 would set lock_timeout = 0 (wait forever); the rest, a bare database error, a wait
    // that never ends (NaN) or retries without end; a string from process.env was ignored.
    const bad: [string, unknown][] = [
      ["lockTimeoutMs", 0],
      ["lockTimeoutMs", 0.5],
      ["lockTimeoutMs", Number.NaN],
      ["lockTimeoutMs", "300"],
      ["statementTimeoutMs", -1],
      ["statementTimeoutMs", 2 ** 31],
      ["waitTimeoutMs", Number.NaN],
      ["lockRetries", Number.POSITIVE_INFINITY],
      ["retryDelayMs", 1e21],
    ];
    for (const [option, value] of bad) {
      const problem = await problemOf(runMigrations(t.driver, folder, { [option]: value } as RunOptions));
      expect(problem, `${option} = ${String(value)}`).toMatchObject({
        kind: "invalid-option",
        option,
        value: String(value),
        expected: expect.stringMatching(/^a whole number of \w+ from \d+ to \d+$/),
      });
    }
    const [lockTimeout] = await t.driver.query<{ value: string }>("SELECT current_setting('lock_timeout') AS value");
    expect(lockTimeout!.value).toBe("5s");
    expect(await exists(t, "options_probe")).toBe(false);
    expect(await recorded(t)).toBe(before);
    const result = await runMigrations(t.driver, folder, { lockTimeoutMs: 1, statementTimeoutMs: 2 ** 31 - 1 });
    expect(result.applied).toHaveLength(1);
  });
});

describe("a COMMIT PostgreSQL refuses (a deferred constraint)", () => {
  it("names the migration and keeps nothing of it; the run can go on once it is fixed", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const tag = s.add(
      "deferred_violation",
      [
        'CREATE TABLE "deferred_parent" ("id" integer PRIMARY KEY);',
        'CREATE TABLE "deferred_child" ("parent_id" integer REFERENCES "deferred_parent" ("id") DEFERRABLE INITIALLY DEFERRED);',
        'INSERT INTO "deferred_child" VALUES (1);',
      ].join(breakpoint),
    );
    expect(await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)))).toMatchObject({
      kind: "commit-failed",
      tag,
      file: join(s.dir, `${tag}.sql`),
      progress: { transaction: true },
      database: { code: "23503" },
    });
    expect(await exists(t, "deferred_child")).toBe(false);
    expect(await recorded(t)).toBe(before);
    s.write(tag, readFileSync(join(s.dir, `${tag}.sql`), "utf8").replace("VALUES (1)", "SELECT 1 WHERE false"));
    const result = await runMigrations(t.driver, readMigrationFolder(s.dir));
    expect(result.applied.map((m) => m.tag)).toEqual([tag]);
    expect(result.verification.ok).toBe(true);
  });

  it("prints what PostgreSQL said of the refusal: its detail and its hint (a deferred constraint trigger)", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add(
      "deferred_trigger",
      [
        'CREATE TABLE "deferred_checked" ("id" integer);',
        'CREATE FUNCTION "refuse_at_commit"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ' +
          "RAISE EXCEPTION 'no rows yet' USING DETAIL = 'checked at commit', HINT = 'fill the parent first'; END $$;",
        'CREATE CONSTRAINT TRIGGER "refuse_at_commit" AFTER INSERT ON "deferred_checked" DEFERRABLE INITIALLY DEFERRED ' +
          'FOR EACH ROW EXECUTE FUNCTION "refuse_at_commit"();',
        'INSERT INTO "deferred_checked" VALUES (1);',
      ].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "commit-failed", tag });
    expect(error?.message).toContain("PostgreSQL refused its COMMIT: no rows yet [code P0001]");
    expect(error?.message).toContain("\n  detail: checked at commit\n  hint: fill the parent first");
    expect(await exists(t, "deferred_checked")).toBe(false);
  });
});

describe("the migrator's advisory lock released under the run", () => {
  // A function the parser cannot see into, as a team's helper might be: it releases every
  // advisory lock of the session, the runner's included.
  const releaser =
    "CREATE FUNCTION \"release_locks\"() RETURNS void LANGUAGE sql AS 'SELECT pg_advisory_unlock_all()';";

  it("stops a one-transaction migration before its row is written, and keeps nothing of it", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const tag = s.add(
      "releases_in_transaction",
      [releaser, 'SELECT "release_locks"();', 'CREATE TABLE "lock_lost_a" ("id" integer);'].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "lock-lost", tag, progress: { transaction: true } });
    expect(error?.message).toContain(`nothing of ${tag} was kept (one transaction)`);
    expect(await exists(t, "lock_lost_a")).toBe(false);
    expect(await recorded(t)).toBe(before);
  });

  it("stops a statement-by-statement migration before its next statement, and says which statements stay", async () => {
    const { t, s } = await migratedWithScratch();
    s.add("the_releaser", releaser);
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const before = await recorded(t);
    const tag = s.add(
      "releases_statement_by_statement",
      [
        "-- migrator:no-transaction",
        'CREATE TABLE "lock_lost_kept" ("id" integer);',
        'SELECT "release_locks"();',
        'CREATE TABLE "lock_lost_b" ("id" integer);',
      ].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "lock-lost", tag, progress: { applied: 2, total: 3 } });
    expect(error?.message).toContain(`migration ${tag} (${join(s.dir, `${tag}.sql`)}) was to run or be recorded`);
    expect(error?.message).toContain("no longer holds the migrator's advisory lock");
    expect(error?.message).toContain(`${tag} runs statement by statement: its first 2 of 3 statements stay applied`);
    expect(await exists(t, "lock_lost_kept")).toBe(true);
    expect(await exists(t, "lock_lost_b")).toBe(false);
    expect(await recorded(t)).toBe(before);
  });
});

describe("a migration that would release the migrator's advisory lock", () => {
  it("DISCARD ALL, pg_advisory_unlock_all() and pg_advisory_unlock of the runner's key are refused before anything runs", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const fine = s.add(
      "own_lock",
      'SELECT pg_advisory_unlock(42);\n--> statement-breakpoint\nCREATE TABLE "release_fine" ("id" integer);',
    );
    const discard = s.add(
      "discards",
      ["-- migrator:no-transaction", "DISCARD ALL;", "SELECT pg_sleep(0);"].join(breakpoint),
    );
    const all = s.add(
      "unlocks_all",
      'CREATE TABLE "release_a" ("id" integer);\n--> statement-breakpoint\nSELECT pg_advisory_unlock_all();',
    );
    const key = s.add("unlocks_key", "SELECT pg_advisory_unlock(7883946363647717234);");
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({
      kind: "session-control",
      statements: [
        { tag: discard, line: 3, command: "DISCARD ALL" },
        { tag: all, line: 3, command: "pg_advisory_unlock_all()" },
        { tag: key, line: 1, command: "pg_advisory_unlock(7883946363647717234)" },
      ],
    });
    expect(fine).toBeTruthy();
    expect(await exists(t, "release_fine")).toBe(false);
    expect(await exists(t, "release_a")).toBe(false);
    expect(await recorded(t)).toBe(before);
  });
});

describe("a migration recorded twice (two runs applied it)", () => {
  it("is named as a duplicate of that migration by db:migrate, db:status and db:verify, not as a newer database's", async () => {
    const { t, s } = await migratedWithScratch();
    const tag = s.add("applied_twice", 'CREATE TABLE "twice" ("id" integer);');
    await runMigrations(t.driver, readMigrationFolder(s.dir));
    const [row] = await t.driver.query<{ id: number }>(
      `INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
         SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id DESC LIMIT 1 RETURNING id`,
    );
    const folder = readMigrationFolder(s.dir);
    const error = await runMigrations(t.driver, folder).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "history-mismatch", unknown: [{ id: row!.id, duplicateOf: tag }] });
    expect(error?.message).toContain(`duplicate: database row id ${row!.id}`);
    expect(error?.message).toContain(`records ${tag} a second time: it was applied twice`);
    expect(error?.message).not.toContain("newer than this code");
    expect((await migrationStatus(t.driver, folder)).unknown).toMatchObject([{ id: row!.id, duplicateOf: tag }]);
    const verified = await verifyMigrations(t.driver, folder);
    expect(verified).toMatchObject({ ok: false, unknown: [{ id: row!.id, duplicateOf: tag }] });
  });
});

describe("a signal between two migrations", () => {
  it("says which migrations this run applied (they stay), not that none was", async () => {
    const { t, s } = await migratedWithScratch();
    const first = s.add("signal_first", 'CREATE TABLE "between_a" ("id" integer);');
    const second = s.add("signal_second", 'CREATE TABLE "between_b" ("id" integer);');
    s.add("signal_third", 'CREATE TABLE "between_c" ("id" integer);');
    const interrupt = new AbortController();
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir), {
      signal: interrupt.signal,
      onEvent: (event) => {
        if (event.type === "applied" && event.migration.tag === second) interrupt.abort("SIGINT");
      },
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "interrupted", signal: "SIGINT", applied: [first, second] });
    expect(error?.message).toContain(
      `interrupted by SIGINT between migrations: this run applied and recorded 2 migrations (${first} … ${second}), which stay applied`,
    );
    expect(error?.message).not.toContain("before any migration was applied");
    expect(await exists(t, "between_b")).toBe(true);
    expect(await exists(t, "between_c")).toBe(false);
  });
});

describe("standard_conforming_strings off, under which the server reads SQL otherwise than the runner", () => {
  it("a migration that turns it off (SET, set_config) is refused before anything runs", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const set = s.add(
      "scs_set",
      'CREATE TABLE "scs_a" ("id" integer);\n--> statement-breakpoint\nSET standard_conforming_strings = off;',
    );
    const call = s.add("scs_call", "SELECT set_config('standard_conforming_strings', 'off', false);");
    s.add("scs_on", "SET standard_conforming_strings = on;");
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({
      kind: "session-control",
      statements: [
        { tag: set, line: 3, command: "standard_conforming_strings off" },
        { tag: call, line: 1, command: "standard_conforming_strings off" },
      ],
    });
    expect(await exists(t, "scs_a")).toBe(false);
    expect(await recorded(t)).toBe(before);
  });

  it("a COMMIT the runner could not see, then a failure: says what was committed stays, not that nothing was kept", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    // Turned off inside a function, where no parser looks: the COMMIT after the backslash is a
    // comment to the runner's parser and a statement to the server.
    const tag = s.add(
      "hidden_commit",
      [
        "CREATE FUNCTION \"scs_off\"() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;",
        'SELECT "scs_off"();',
        'CREATE TABLE "scs_kept" ("id" integer);',
        "SELECT 'a\\' -- '; COMMIT;",
        "SELECT 1 / 0;",
      ].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({ kind: "transaction-ended", tag, at: { statement: 5 } });
    expect(error?.message).toContain("what it committed before that stays (it was not rolled back)");
    expect(error?.message).not.toContain("was kept");
    expect(await exists(t, "scs_kept")).toBe(true);
    expect(await recorded(t)).toBe(before);
  });
});

describe("standard_conforming_strings off as the session's default (ALTER DATABASE or ALTER ROLE … SET)", () => {
  it("does not reach the migrations: the runner turns it on, so its parser and the server read the same SQL", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    // The session the run is handed has it off, as a database or role default would leave it.
    await t.driver.exec("SET standard_conforming_strings = off");
    const tag = s.add(
      "backslash_then_failure",
      ['CREATE TABLE "scs_default" ("id" integer);', "SELECT 'a\\' -- '; COMMIT;", "SELECT 1 / 0;"].join(breakpoint),
    );
    const problem = await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)));
    expect(problem).toMatchObject({ kind: "migration-failed", at: { tag, statement: 3 } });
    // One transaction, rolled back whole: the COMMIT was inside a comment for the server too.
    expect(await exists(t, "scs_default")).toBe(false);
    expect(await recorded(t)).toBe(before);
    await t.driver.exec("RESET standard_conforming_strings");
  });
});

describe("a bookkeeping row the database refuses", () => {
  // A team's migration that "tidies" the bookkeeping table: the runner's own INSERT is then refused.
  const refuseRows =
    'ALTER TABLE "drizzle"."__drizzle_migrations" ADD CONSTRAINT "refuse_rows" CHECK ("hash" = \'\') NOT VALID;';

  it("names the migration and says what stays: nothing in one transaction, every statement statement by statement", async () => {
    const { t, s } = await migratedWithScratch();
    const before = await recorded(t);
    const inOne = s.add("refused_row", ['CREATE TABLE "record_a" ("id" integer);', refuseRows].join(breakpoint));
    expect(await problemOf(runMigrations(t.driver, readMigrationFolder(s.dir)))).toMatchObject({
      kind: "record-failed",
      tag: inOne,
      file: join(s.dir, `${inOne}.sql`),
      progress: { transaction: true },
      database: { code: "23514" },
    });
    expect(await exists(t, "record_a")).toBe(false);
    expect(await recorded(t)).toBe(before);

    s.write(
      inOne,
      ["-- migrator:no-transaction", 'CREATE TABLE "record_a" ("id" integer);', refuseRows].join(breakpoint),
    );
    const error = await runMigrations(t.driver, readMigrationFolder(s.dir)).then(
      () => undefined,
      (e: unknown) => e as Error & { problem?: unknown },
    );
    expect(error?.problem).toMatchObject({
      kind: "record-failed",
      tag: inOne,
      progress: { transaction: false, applied: 2, total: 2 },
    });
    expect(error?.message).toContain(
      `${inOne} runs statement by statement: all 2 of its statements stay applied; it is not recorded`,
    );
    expect(error?.message).toContain('violates check constraint "refuse_rows"');
    expect(await exists(t, "record_a")).toBe(true);
    expect(await recorded(t)).toBe(before);
  });
});

describe("db:accept-hash accepts an edit only with evidence", () => {
  const gitEnv = {
    ...process.env,
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@t",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@t",
  };
  /** The scratch history in a git repository of its own, committed. */
  function inGit(s: ScratchMigrations): string {
    const repo = mkdtempSync(join(tmpdir(), "trovella-git-"));
    resources.later(() => rmSync(repo, { recursive: true, force: true }));
    cpSync(s.dir, join(repo, "migrations"), { recursive: true });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe", env: gitEnv });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "history");
    return repo;
  }

  function commitAll(repo: string, message: string): void {
    execFileSync("git", ["commit", "-qam", message], { cwd: repo, env: gitEnv });
  }

  it("shows the diff of a reviewed edit; refuses a different migration that took an applied one's place; refuses without history", async () => {
    // At Trovella's history: the first run applies the one new migration.
    const env = await resources.commandTarget();
    {
      const s = resources.scratch();
      const tag = s.add("to_edit", 'CREATE TABLE "accept_probe" ("id" integer);');
      const repo = inGit(s);
      const migrations = join(repo, "migrations");
      const file = join(migrations, `${tag}.sql`);
      expect((await runCommand("migrate", ["--migrations", migrations], env)).code).toBe(0);

      // Another migration in the applied one's place, with its journal `when` (a botched merge): it
      // is shown as modified, but the row is not an earlier text of its file, so it is not accepted.
      const journalPath = join(migrations, "meta", "_journal.json");
      const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
      const other = tag.replace("to_edit", "other_change");
      journal.entries.at(-1)!.tag = other;
      writeFileSync(journalPath, JSON.stringify(journal, null, 2));
      renameSync(file, join(migrations, `${other}.sql`));
      writeFileSync(join(migrations, `${other}.sql`), 'CREATE TABLE "something_else" ("id" integer);');
      execFileSync("git", ["add", "-A"], { cwd: repo, env: gitEnv });
      commitAll(repo, "replace");
      const status = await runCommand("status", ["--migrations", migrations, "--json"], env);
      expect(
        (JSON.parse(status.stdout) as { migrations: { tag: string; state: string }[] }).migrations.at(-1),
      ).toMatchObject({
        tag: other,
        state: "modified",
      });
      const replaced = await runCommand("accept-hash", [other, "--migrations", migrations], env);
      expect(replaced.code).toBe(3);
      expect(replaced.stderr).toContain(`${other}: the applied row's hash matches no committed version of the file`);
      execFileSync("git", ["revert", "--no-edit", "HEAD"], { cwd: repo, stdio: "pipe", env: gitEnv });

      // A reviewed comment edit: accepted, with the diff from the version the database applied.
      writeFileSync(file, '-- reviewed: the probe table\nCREATE TABLE "accept_probe" ("id" integer);');
      commitAll(repo, "comment");
      const edited = await runCommand("accept-hash", [tag, "--migrations", migrations], env);
      expect(edited.code, edited.stderr).toBe(0);
      expect(edited.stdout).toContain("what changed since:");
      expect(edited.stdout).toContain("+-- reviewed: the probe table");
      expect((await runCommand("verify", ["--migrations", migrations], env)).code).toBe(0);

      // Outside git there is nothing to show: refused unless the reviewer says so.
      s.write(tag, '-- reviewed twice\nCREATE TABLE "accept_probe" ("id" integer);');
      cpSync(join(migrations, "meta"), join(s.dir, "meta"), { recursive: true });
      const noHistory = await runCommand("accept-hash", [tag, "--migrations", s.dir], env);
      expect(noHistory.code).toBe(3);
      expect(noHistory.stderr).toContain(`${tag}: no git history of the file`);
      expect((await runCommand("accept-hash", [tag, "--migrations", s.dir, "--without-git"], env)).code).toBe(0);
    }
  });

  it("refuses an edit nobody committed, names a difference of line endings only, and accepts a tag named twice once", async () => {
    const env = await resources.commandTarget();
    const s = resources.scratch();
    const tag = s.add("to_edit", 'CREATE TABLE "accept_probe" ("id" integer);\n');
    const repo = inGit(s);
    const migrations = join(repo, "migrations");
    const file = join(migrations, `${tag}.sql`);
    expect((await runCommand("migrate", ["--migrations", migrations], env)).code).toBe(0);
    const hashOf = async () =>
      (JSON.parse((await runCommand("verify", ["--migrations", migrations, "--json"], env)).stdout) as { ok: boolean })
        .ok;

    // Edited in the working tree only: not the text a deploy of the commit runs.
    writeFileSync(file, 'CREATE TABLE "accept_probe" ("id" integer);\nDROP TABLE "accept_probe";\n');
    const uncommitted = await runCommand("accept-hash", [tag, "--migrations", migrations], env);
    expect(uncommitted.code).toBe(3);
    expect(uncommitted.stderr).toContain(`${tag}: ${file} is not what git's HEAD holds`);
    expect(uncommitted.stderr).toContain("fix: commit the edit once it is reviewed, then accept it");
    expect(uncommitted.stderr).toContain(`git checkout HEAD -- ${file}`);

    // A CRLF checkout of the committed text (Windows' core.autocrlf): named as such, and not accepted.
    execFileSync("git", ["config", "core.autocrlf", "true"], { cwd: repo });
    writeFileSync(file, 'CREATE TABLE "accept_probe" ("id" integer);\r\n');
    const crlf = await runCommand("accept-hash", [tag, "--migrations", migrations], env);
    expect(crlf.code).toBe(3);
    expect(crlf.stderr).toContain("only in line endings");
    expect(crlf.stderr).toContain("core.autocrlf");
    expect(await hashOf()).toBe(false);
    execFileSync("git", ["config", "core.autocrlf", "false"], { cwd: repo });

    // Committed: accepted, once, though named by tag and by number.
    writeFileSync(file, '-- reviewed\nCREATE TABLE "accept_probe" ("id" integer);\n');
    commitAll(repo, "reviewed edit");
    const accepted = await runCommand("accept-hash", [tag, tag.slice(0, 4), "--migrations", migrations, "--json"], env);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((JSON.parse(accepted.stdout) as { accepted: { tag: string }[] }).accepted.map((a) => a.tag)).toEqual([tag]);
    expect(await hashOf()).toBe(true);
  });

  it("accepts a committed edit of a file committed with CRLF, under core.autocrlf=true (Git for Windows' default)", async () => {
    const env = await resources.commandTarget();
    const s = resources.scratch();
    const tag = s.add("to_edit", 'CREATE TABLE "accept_probe" ("id" integer);\r\n');
    const repo = inGit(s);
    const migrations = join(repo, "migrations");
    expect((await runCommand("migrate", ["--migrations", migrations], env)).code).toBe(0);
    execFileSync("git", ["config", "core.autocrlf", "true"], { cwd: repo });
    writeFileSync(join(migrations, `${tag}.sql`), '-- reviewed\r\nCREATE TABLE "accept_probe" ("id" integer);\r\n');
    commitAll(repo, "reviewed edit");
    const accepted = await runCommand("accept-hash", [tag, "--migrations", migrations], env);
    expect(accepted.code, accepted.stderr).toBe(0);
  });

  it("accepts an edit whose committed text exists only in a merge commit (both branches changed the file)", async () => {
    const env = await resources.commandTarget();
    const s = resources.scratch();
    const tag = s.add("to_edit", '-- first\nCREATE TABLE "accept_probe" ("id" integer);\n-- last\n');
    const repo = inGit(s);
    const migrations = join(repo, "migrations");
    const file = join(migrations, `${tag}.sql`);
    expect((await runCommand("migrate", ["--migrations", migrations], env)).code).toBe(0);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe", env: gitEnv });
    const main = git("rev-parse", "--abbrev-ref", "HEAD").toString().trim();
    git("checkout", "-qb", "x");
    writeFileSync(file, '-- first, reviewed\nCREATE TABLE "accept_probe" ("id" integer);\n-- last\n');
    commitAll(repo, "x: first line");
    git("checkout", "-q", main);
    writeFileSync(file, '-- first\nCREATE TABLE "accept_probe" ("id" integer);\n-- last, reviewed\n');
    commitAll(repo, "main: last line");
    git("merge", "-q", "--no-edit", "x");
    const accepted = await runCommand("accept-hash", [tag, "--migrations", migrations], env);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain("+-- first, reviewed");
  });
});

// One process's database: only the embedded engine has these questions.
if (testEngine() === "pglite") {
  describe("the embedded database", () => {
    it("a second process opening the folder gets a clear error (exit 5), and the folder stays usable", async () => {
      const folder = await createTestDataDir();
      resources.later(() => folder.remove());
      const held = await openPglite(folder.dataDir);
      const blocked = await startCommand("status", [], { PGLITE_DATA_DIR: folder.dataDir }).done;
      expect(blocked.code).toBe(5);
      expect(blocked.stderr).toContain(
        `the embedded database ${folder.dataDir} is open in another process (pid ${process.pid})`,
      );
      expect(blocked.stderr).not.toMatch(/\[object Object\]|Aborted\(\)/);
      await held.close();
      const status = await runCommand("status", [], { PGLITE_DATA_DIR: folder.dataDir });
      expect(status.code, status.stderr).toBe(0);
    });

    it("SIGINT stops before the next statement, rolls the migration back and names it (exit 130)", async () => {
      const folder = await createTestDataDir();
      resources.later(() => folder.remove());
      const s = resources.scratch();
      const tag = s.add(
        "interrupted",
        [
          'CREATE TABLE "signal_probe" ("id" integer);',
          "SELECT pg_sleep(3);",
          'CREATE TABLE "signal_after" ("id" integer);',
        ].join(breakpoint),
      );
      s.add("after_interrupted", 'CREATE TABLE "never_reached" ("id" integer);');
      // The folder is at Trovella's history (createTestDataDir migrates it): the run has only the two new ones.
      const run = startCommand("migrate", ["--migrations", s.dir], { PGLITE_DATA_DIR: folder.dataDir });
      let stdout = "";
      run.child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      for (let i = 0; i < 300 && !stdout.includes("Migration state:"); i++)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      run.child.kill("SIGINT");
      const done = await run.done;
      expect(done.code).toBe(130);
      expect(done.stderr).toContain(`interrupted by SIGINT while applying ${tag}`);
      expect(done.stderr).toContain(`${tag} was rolled back: nothing of it was kept`);
      const db = await openPglite(folder.dataDir);
      try {
        const tables = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('signal_probe', 'signal_after', 'never_reached')",
        );
        expect(tables.rows[0]?.n).toBe(0);
      } finally {
        await db.close();
      }
    });
  });
}
