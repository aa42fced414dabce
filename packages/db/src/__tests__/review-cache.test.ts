import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readMigrationFolder, reviewCacheDir } from "@repo/migrator";
import { MIGRATIONS_FOLDER } from "../project.ts";
import { runCommand, startCommand } from "../testing/run-command.ts";
import { scratchMigrations } from "../testing/scratch-migrations.ts";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const step of cleanup) step();
});

function cacheFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "review-cache-command-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "review");
}

interface Timings {
  phases: Record<string, number>;
  counts: Record<string, number>;
  cache?: { corrupt: number; written: number };
}

/** What `--timings` printed with `--format json`. */
function timingsOf(stderr: string): Timings {
  const line = stderr.split("\n").find((l) => l.startsWith('{"timings"'));
  if (!line) throw new Error(`no timings in:\n${stderr}`);
  return (JSON.parse(line) as { timings: Timings }).timings;
}

/** `db:review --no-baseline --format json --timings` with the cache in `cache`: findings (stdout) and timings. */
async function review(cache: string, ...args: string[]) {
  const run = await runCommand("review", ["--no-baseline", "--format", "json", "--timings", ...args], {
    MIGRATOR_REVIEW_CACHE: cache,
  });
  return { ...run, timings: timingsOf(run.stderr) };
}

describe("db:review's cache", { timeout: 120_000 }, () => {
  const all = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;

  it("gives the findings of a --no-cache run on Trovella's history, then reviews nothing again and runs no differ", async () => {
    const cache = cacheFolder();
    const cold = await review(cache, "--no-cache");
    expect(existsSync(cache)).toBe(false);
    expect(cold.timings.counts).toMatchObject({ parsed: all, "reviewed with rules": all });
    // Whether Drizzle Kit's differ ran (its import may be cached by an earlier test in this worker).
    expect(cold.timings.phases["snapshot differ"]).toBeGreaterThan(0);
    expect(cold.timings.cache).toBeUndefined();
    const first = await review(cache);
    expect(first.stdout).toBe(cold.stdout);
    const second = await review(cache);
    expect(second.stdout).toBe(cold.stdout);
    expect(second.code).toBe(cold.code);
    expect(second.timings.counts).toEqual({ migrations: all, "findings from cache": all });
    expect(second.timings.phases["snapshot differ"]).toBeUndefined();
    expect(second.timings.phases["parser load"]).toBeUndefined();
    expect(JSON.parse(second.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: "volatile-default-rewrite" })]),
    );
  });

  it("parses only the migration that changed, runs no Drizzle Kit, and finds what a --no-cache run finds", async () => {
    const scratch = scratchMigrations();
    cleanup.push(() => scratch.remove());
    const cache = cacheFolder();
    await review(cache, "--migrations", scratch.dir);
    const last = scratch.entries().at(-1)?.tag ?? "";
    scratch.write(
      last,
      `${scratch.read(last)}\n--> statement-breakpoint\nCREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("id");`,
    );
    const warm = await review(cache, "--migrations", scratch.dir);
    expect(warm.timings.counts).toMatchObject({
      "findings from cache": all - 1,
      parsed: 1,
      "reviewed with rules": 1,
      // Its snapshots did not change: Drizzle Kit's statements for it come from the cache, unloaded.
      "snapshot diffs from cache": 1,
    });
    expect(warm.timings.counts["parse trees from cache"]).toBeUndefined();
    expect(warm.timings.phases["snapshot differ"]).toBeUndefined();
    const cold = await review(cacheFolder(), "--migrations", scratch.dir, "--no-cache");
    expect(warm.stdout).toBe(cold.stdout);
    expect(JSON.parse(warm.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: "non-concurrent-index", line: expect.any(Number) })]),
    );
  });

  it("prints where the time went as text, and the cache's folder", async () => {
    const cache = cacheFolder();
    const { stderr } = await runCommand("review", ["--timings", "0008"], { MIGRATOR_REVIEW_CACHE: cache });
    expect(stderr).toMatch(/^timings:$/m);
    expect(stderr).toMatch(/^ {2}read folder +\d+\.\d ms$/m);
    expect(stderr).toMatch(/^ {2}parser load +\d+\.\d ms$/m);
    expect(stderr).toMatch(/^ {2}total +\d+\.\d ms$/m);
    expect(stderr).toContain(`cache ${cache}: hits run 0/1`);
  });

  it("lives in the nearest node_modules/.cache (git-ignored) unless MIGRATOR_REVIEW_CACHE names another folder", () => {
    const dir = reviewCacheDir({ env: {}, folder: MIGRATIONS_FOLDER, cwd: tmpdir() });
    expect(relative(PACKAGE_DIR, dir ?? "")).toBe(join("node_modules", ".cache", "@repo", "migrator", "review"));
    // A folder outside any project: the cache of the project the command runs in.
    expect(reviewCacheDir({ env: {}, folder: tmpdir(), cwd: PACKAGE_DIR })).toBe(dir);
    expect(reviewCacheDir({ env: { MIGRATOR_REVIEW_CACHE: "tmp/cache" }, folder: tmpdir(), cwd: "/work" })).toBe(
      "/work/tmp/cache",
    );
    expect(execFileSync("git", ["check-ignore", dir ?? ""], { cwd: PACKAGE_DIR, encoding: "utf8" }).trim()).toBe(dir);
  });

  it("two runs at once on one cache leave it whole: the next run takes everything from it", async () => {
    const scratch = scratchMigrations();
    cleanup.push(() => scratch.remove());
    const cache = cacheFolder();
    // Processes of their own (the same directory, so the same Drizzle Kit is found for the differ).
    const start = () =>
      startCommand("review", ["--migrations", scratch.dir, "--no-baseline", "--format", "json", "--timings"], {
        MIGRATOR_REVIEW_CACHE: cache,
        INIT_CWD: PACKAGE_DIR,
      }).done;
    const [a, b] = await Promise.all([start(), start()]);
    expect(a?.stdout).toBe(b?.stdout);
    const next = await start();
    expect(next.stdout).toBe(a?.stdout);
    expect(timingsOf(next.stderr)).toMatchObject({
      counts: { migrations: all, "findings from cache": all },
      cache: { corrupt: 0 },
    });
  });
});
