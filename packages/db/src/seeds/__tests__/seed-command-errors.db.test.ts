/**
 * db:seed's failures as a deploy sees them: a real command on a real database of the test
 * project's engine. Each says what, why and how to fix, with the documented exit code, and leaves
 * the database as it was.
 */
import { describe, expect, it } from "vitest";
import { type CommandEnv, runCommand } from "../../testing/run-command.ts";
import { inspectTarget, testResources } from "../../testing/test-resources.ts";

const resources = testResources();

const tableCount = (env: CommandEnv) =>
  inspectTarget(env, async (d) => {
    const [row] = await d.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    );
    return row!.n;
  });

describe("db:seed on a database that is not fully migrated", () => {
  it("refuses a database no migration was applied to (exit 3), telling to run db:migrate first", async () => {
    const env = await resources.commandTarget({ migrate: false });
    const run = await runCommand("seed", [], env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/has \d+ of \d+ migrations still to apply \(first: 0000_\w+\); nothing was seeded/);
    expect(run.stderr).toContain("Run db:migrate first");
    expect(await tableCount(env)).toBe(0);
  });

  it("refuses a database migrated part of the way before writing any tier (exit 3)", async () => {
    const env = await resources.commandTarget({ migrate: false });
    const s = resources.scratch(8);
    const migrated = await runCommand("migrate", ["--migrations", s.dir], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const run = await runCommand("seed", [], env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain("still to apply (first: 0009_");
    const rows = await inspectTarget(env, (d) => d.query<{ n: number }>(`select count(*)::int as n from "user"`));
    expect(rows[0]!.n).toBe(0);
  });
});

describe("db:seed when the database rejects a statement", () => {
  it("quotes PostgreSQL's message and SQLSTATE, not Drizzle's query text and parameters", async () => {
    const env = await resources.commandTarget();
    await inspectTarget(env, (d) => d.exec('ALTER TABLE "ai_model" RENAME TO "ai_model_elsewhere"'));
    const run = await runCommand("seed", ["--tier", "reference"], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('Seed tier "reference" failed (SQLSTATE 42P01): relation "ai_model" does not exist.');
    expect(run.stderr).not.toContain("Failed query");
    expect(run.stderr).not.toContain("params:");
    expect(run.stderr.length).toBeLessThan(2_000);
  });
});

describe("db:seed when it cannot connect", () => {
  it("exits 4 naming the target without its password, with the fix other commands give", async () => {
    const run = await runCommand("seed", [], { DATABASE_URL: "postgres://trovella:s3cret-pw@127.0.0.1:1/nowhere" });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain("cannot connect to postgres://trovella:***@127.0.0.1:1/nowhere");
    expect(run.stderr).toContain("start the server, or correct the host and port");
    expect(run.stdout + run.stderr).not.toContain("s3cret-pw");
  });

  it("exits 4 for a URL that does not parse, saying to percent-encode", async () => {
    const run = await runCommand("seed", [], { DATABASE_URL: "postgres://trovella:pa#ss@127.0.0.1:5433/x" });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain("percent-encode");
    expect(run.stdout + run.stderr).not.toContain("pa#ss");
  });
});

describe("db:seed --json, as docs/seed-data.md documents it", () => {
  it("prints an error as { ok: false, error: { code, message, fix, tier } } on stdout, nothing else", async () => {
    const env = await resources.commandTarget();
    const run = await runCommand("seed", ["--json", "--tier", "referense"], env);
    expect(run.code).toBe(2);
    const parsed = JSON.parse(run.stdout) as { ok: boolean; error: Record<string, unknown> };
    expect(parsed.ok).toBe(false);
    expect(Object.keys(parsed.error).sort()).toEqual(["code", "fix", "message", "tier"]);
    expect(parsed.error).toMatchObject({ code: "unknown-tier", tier: "referense" });
  });
});
