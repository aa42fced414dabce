import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMigrationFolder } from "@repo/migrator";
import { MIGRATIONS_FOLDER } from "../project.ts";
import { runCommand, startCommand } from "../testing/run-command.ts";
import { inspectTarget, testResources } from "../testing/test-resources.ts";

/**
 * The commands as a deploy runs them: real processes, on the engine of the test project (a fresh
 * server database, or a fresh embedded database folder).
 */
const resources = testResources();

/**
 * A fresh database the commands can open: a new server database, or on PGlite a database folder
 * that nothing holds open (PGlite is one connection), both from the test-database factory. Empty,
 * or (`deployed`) at Trovella's history, as production is when a deploy brings one more migration.
 */
const target = async (state: "empty" | "deployed" = "empty") => ({
  env: await resources.commandTarget({ migrate: state === "deployed" }),
});

async function until(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The number of migrations in the real history (the journal's entries). */
const HISTORY = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;

const scratch = () => resources.scratch();

describe("db:migrate, db:status, db:verify as processes", () => {
  it("prints the state line, one line per applied migration, then the verification; a second run applies nothing", async () => {
    const { env } = await target();
    const s = scratch();
    const first = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split("\n");
    expect(lines[1]).toBe(`Migration state: 0 applied, ${HISTORY} expected, ${HISTORY} pending`);
    expect(lines.slice(2, 2 + HISTORY).map((l) => l.replace(/\(\d+ ms/, "(N ms"))).toEqual(
      readMigrationFolder(s.dir).migrations.map(
        (m) => `Applied ${m.tag} (N ms${m.noTransaction ? ", no transaction" : ""})`,
      ),
    );
    expect(lines[2 + HISTORY]).toBe(
      `Verified: ${HISTORY} applied, ${HISTORY} expected, every hash matches the journal`,
    );

    const second = await runCommand("migrate", ["--migrations", s.dir, "--json"], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      ok: true,
      state: { applied: HISTORY, expected: HISTORY, pending: 0 },
      applied: [],
    });

    const verify = await runCommand("verify", ["--migrations", s.dir, "--json"], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, applied: HISTORY, expected: HISTORY });
  });

  it("status lists each state; migrate and verify exit 3 on a modified file, accept-hash records the reviewed edit", async () => {
    const { env } = await target("deployed");
    const s = scratch();
    const edited = s.entries()[HISTORY - 1]!.tag;
    s.write(edited, `${s.read(edited)}\n-- reviewed\n`);
    const pending = s.add("pending_one", 'CREATE TABLE "scratch_pending" ("id" integer);');

    const status = await runCommand("status", ["--migrations", s.dir, "--json"], env);
    expect(status.code).toBe(3);
    const parsed = JSON.parse(status.stdout) as { migrations: { tag: string; state: string }[] };
    expect(parsed.migrations.slice(-3).map((m) => [m.tag, m.state])).toEqual([
      [s.entries()[HISTORY - 2]!.tag, "applied"],
      [edited, "modified"],
      [pending, "pending"],
    ]);

    const migrate = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toContain(`modified: ${edited}`);
    expect(migrate.stdout).toContain(`Migration state: ${HISTORY} applied, ${HISTORY + 1} expected, 1 pending`);
    const verify = await runCommand("verify", ["--migrations", s.dir], env);
    expect(verify.code).toBe(3);
    expect(verify.stdout).toContain(`modified: ${edited}`);

    // A tag the journal lacks is invalid input, as in every command that takes one; a pending one is no edit.
    const unknown = await runCommand("accept-hash", ["nope", "--migrations", s.dir, "--without-git"], env);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('"nope" matches no migration')]);
    const notModified = await runCommand("accept-hash", [pending, "--migrations", s.dir, "--without-git"], env);
    expect(notModified.code).toBe(3);
    const accept = await runCommand("accept-hash", [edited, "--migrations", s.dir, "--without-git"], env);
    expect(accept.code, accept.stderr).toBe(0);
    expect(accept.stdout).toMatch(
      new RegExp(`^Accepted ${edited}: row ${HISTORY} hash [0-9a-f]{64} -> [0-9a-f]{64}\\n$`),
    );
    expect((await runCommand("migrate", ["--migrations", s.dir], env)).code).toBe(0);
    expect((await runCommand("verify", ["--migrations", s.dir], env)).code).toBe(0);
  });

  it("stops on an out-of-order migration (exit 3, naming it) and applies it with --allow-out-of-order", async () => {
    const { env } = await target("deployed");
    const deployed = scratch();
    const branchB = 'CREATE TABLE "scratch_branch_b" ("id" integer);';
    deployed.add("branch_b", branchB);
    const whenB = deployed.entries().at(-1)!.when;
    expect((await runCommand("migrate", ["--migrations", deployed.dir], env)).code).toBe(0);
    const merged = scratch();
    const tagA = merged.add("branch_a", 'CREATE TABLE "scratch_branch_a" ("id" integer);', { when: whenB - 500 });
    merged.add("branch_b", branchB, { when: whenB });

    const refused = await runCommand("migrate", ["--migrations", merged.dir], env);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain(`Migration state: ${HISTORY + 1} applied, ${HISTORY + 2} expected, 1 pending`);
    expect(refused.stderr).toContain(`  - ${tagA} (when ${whenB - 500}, newest applied ${whenB})`);
    expect(refused.stderr).toContain("--allow-out-of-order");
    const allowed = await runCommand("migrate", ["--migrations", merged.dir, "--allow-out-of-order"], env);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(new RegExp(`Applied ${tagA} \\(\\d+ ms\\)`));
  });

  it("refuses a folder without a journal or with a missing SQL file (exit 2) before touching the database", async () => {
    const { env } = await target();
    const s = scratch();
    const tag = s.entries()[4]!.tag;
    rmSync(join(s.dir, `${tag}.sql`));
    const missing = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${tag}.sql: missing SQL file for journal entry "${tag}"`);
    expect(missing.stdout).toBe("");

    writeFileSync(join(s.dir, "meta", "_journal.json"), "{ not json");
    const malformed = await runCommand("migrate", ["--migrations", s.dir, "--json"], env);
    expect(malformed.code).toBe(2);
    expect(JSON.parse(malformed.stdout)).toMatchObject({
      ok: false,
      error: { code: "folder-invalid", issues: [{ kind: "journal-malformed" }] },
    });

    rmSync(join(s.dir, "meta", "_journal.json"));
    const none = await runCommand("verify", ["--migrations", s.dir], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("_journal.json: no journal");
  });

  it("exits 1 naming the file, statement and PostgreSQL error when a migration fails", async () => {
    const { env } = await target("deployed");
    const s = scratch();
    const tag = s.add(
      "broken",
      'CREATE TABLE "scratch_ok" ("id" integer);\n--> statement-breakpoint\nCREATE TABLE "scratch_bad" ("id" integr);',
    );
    const run = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `migration ${tag} failed at statement 2 (${s.dir}/${tag}.sql:3: CREATE TABLE "scratch_bad" ("id" integr);): type "integr" does not exist [code 42704, position 34]`,
    );
    expect(run.stderr).toContain(`nothing of ${tag} was kept`);
  });

  it("a run killed mid-migration leaves the database at a migration boundary; the next run completes", async () => {
    const { env } = await target("deployed");
    const s = scratch();
    const slow = s.add(
      "slow",
      'CREATE TABLE "scratch_before_sleep" ("id" integer);\n--> statement-breakpoint\nSELECT pg_sleep(120);',
    );
    const run = startCommand("migrate", ["--migrations", s.dir], env);
    let stdout = "";
    run.child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    if (env.DATABASE_URL) {
      await inspectTarget(env, (driver) =>
        until(async () => {
          const rows = await driver.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(120);'",
          );
          return rows.length > 0;
        }, "the slow statement to run"),
      );
    } else {
      // The embedded database cannot be watched from outside while the command holds it: wait for
      // the state line (the slow one is the only pending migration), then give it time to start.
      await until(() => stdout.includes("1 pending"), "the state line");
      await new Promise((r) => setTimeout(r, 2000));
    }
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout).not.toContain(`Applied ${slow}`);

    s.write(slow, s.read(slow).replace("pg_sleep(120)", "pg_sleep(0)"));
    const boundary = await inspectTarget(env, (driver) =>
      driver.query(
        "SELECT count(*)::int AS n, to_regclass('scratch_before_sleep') IS NOT NULL AS before FROM drizzle.__drizzle_migrations",
      ),
    );
    expect(boundary).toEqual([{ n: HISTORY, before: false }]);
    const next = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain(`Migration state: ${HISTORY} applied, ${HISTORY + 1} expected, 1 pending`);
    expect(next.stdout).toMatch(new RegExp(`Applied ${slow} \\(\\d+ ms\\)`));
    expect(next.stdout).toContain(`Verified: ${HISTORY + 1} applied, ${HISTORY + 1} expected`);
  });
});
