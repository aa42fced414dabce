import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readMigrationFolder } from "@repo/migrator";
import { MIGRATIONS_FOLDER, REVIEW_BASELINE_PATH as BASELINE_PATH } from "../project.ts";
import { runCommand } from "../testing/run-command.ts";

/** Runs `db:review` as `pnpm db:review` does, from the package folder. */
function dbReview(...args: string[]) {
  return runCommand("review", args, {});
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("pnpm db:review", { timeout: 60_000 }, () => {
  it("exits 0 on the history with the baseline and prints an empty JSON array", async () => {
    const { code, stdout, stderr } = await dbReview("--format", "json");
    expect(JSON.parse(stdout)).toEqual([]);
    const all = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;
    expect(stderr).toContain(`Reviewed ${all} migration(s): 0 error(s), 0 warning(s), 19 accepted by the baseline`);
    expect(code).toBe(0);
  });

  it("--write-baseline without --live keeps the live findings the baseline accepted, and says so", async () => {
    const folder = mkdtempSync(join(tmpdir(), "review-command-"));
    folders.push(folder);
    const baseline = join(folder, "review-baseline.json");
    cpSync(BASELINE_PATH, baseline);
    const live = (path: string) =>
      (JSON.parse(readFileSync(path, "utf8")) as { findings: { rule: string }[] }).findings.filter((f) =>
        f.rule.startsWith("live-"),
      );
    expect(live(baseline)).toHaveLength(1);
    const { code, stderr } = await dbReview("--write-baseline", "--baseline", baseline);
    expect(stderr).toMatch(
      /^Wrote 19 accepted finding\(s\) to .* and kept 1 of --live's \(run it with --live to rewrite those\)$/m,
    );
    expect(code).toBe(0);
    expect(live(baseline)).toEqual(live(BASELINE_PATH));
    expect(readFileSync(baseline, "utf8")).toBe(readFileSync(BASELINE_PATH, "utf8"));
  });

  it("exits 1 without the baseline, with GitHub annotations for 0008", async () => {
    const { code, stdout } = await dbReview("--no-baseline", "--format", "github", "0008");
    expect(stdout.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(
        /^::error file=src\/migrations\/0008_add-correlation-id-and-embedding-count\.sql,line=3,col=9,title=volatile-default-rewrite::/,
      ),
      expect.stringMatching(
        /^::warning file=src\/migrations\/0008_add-correlation-id-and-embedding-count\.sql,line=5,col=1,title=non-concurrent-index::/,
      ),
    ]);
    expect(code).toBe(1);
  });

  it("prints file:line:column severity rule message and the fix in text", async () => {
    const { stdout } = await dbReview("--no-baseline", "0008");
    expect(stdout).toContain(
      'src/migrations/0008_add-correlation-id-and-embedding-count.sql:3:9 error volatile-default-rewrite "ai_usage"."correlation_id" gets the volatile default gen_random_uuid()',
    );
    expect(stdout).toContain("  fix: Add the column nullable without the default");
  });

  it("--live fails on a migration that is not re-runnable, naming it", async () => {
    const folder = mkdtempSync(join(tmpdir(), "review-command-"));
    folders.push(folder);
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
      entries: { idx: number; when: number; [key: string]: unknown }[];
    };
    const last = journal.entries.at(-1)!;
    const tag = `${String(last.idx + 1).padStart(4, "0")}_not-rerunnable`;
    journal.entries.push({ idx: last.idx + 1, version: "7", when: last.when + 1000, tag, breakpoints: true });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(
      join(folder, `${tag}.sql`),
      'CREATE TABLE IF NOT EXISTS "review_fixture" ("id" text PRIMARY KEY);--> statement-breakpoint\nALTER TABLE "review_fixture" ADD COLUMN "note" text;',
    );
    const { code, stdout } = await dbReview("--live", "--migrations", folder, "--format", "json");
    const findings = JSON.parse(stdout) as { file: string; rule: string; line: number }[];
    expect(findings.filter((f) => f.rule === "live-not-rerunnable")).toEqual([
      expect.objectContaining({ file: expect.stringMatching(new RegExp(`${tag}\\.sql$`)), line: 2 }),
    ]);
    expect(findings.map((f) => f.rule)).toContain("missing-guard");
    expect(code).toBe(1);
  }, 120_000);

  it("exits 2 and says why for an unknown tag", async () => {
    const { code, stderr } = await dbReview("0042");
    expect(stderr).toContain("error: ");
    expect(stderr).toContain('"0042" matches no migration in the journal');
    expect(code).toBe(2);
  });
});
