/**
 * Benchmark 4: `db:review` against squawk (npm `squawk-cli`, its Linux/macOS/Windows binary comes
 * as an optional npm dependency) on the same generated corpus of Drizzle-style migrations. Both
 * as processes, wall time (what a CI step or a pre-commit hook pays), side by side in each round:
 * - db:review cold: an empty review cache (a first run, which also fills the cache);
 * - db:review warm: the cache of the corpus as it was, then its last migration edited (the
 *   pre-commit case: one migration changed since the last review);
 * - squawk on every file (it keeps no cache: cold and warm are the same run for it);
 * plus our review in process without a cache (no start-up), and where a run's time went
 * (`db:review --timings`).
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  readMigrationFolder,
  readReviewConfig,
  reviewMigrations,
  reviewSources,
  type TimingsReport,
} from "@repo/migrator";
import { writeCorpus } from "@repo/migrator/testing";
import { REVIEW_CONFIG_PATH } from "../src/project.ts";
import type { BenchRow } from "./bench-report.ts";
import { packageScript, startProcess } from "./package-commands.ts";
import { type Measurement, median, sideBySide } from "./timing.ts";

/** What the warm run finds changed: one statement added to the last migration. */
const EDIT = '\n--> statement-breakpoint\nALTER TABLE "table_997" ADD COLUMN "bench_note" text;';

/** A db:review process's run: wall time and what its `--timings` said. */
interface ReviewProcess {
  wallMs: number;
  timings: TimingsReport;
}

/** Where the median db:review run's time went: start-up before the command, and the command's own work. */
export interface ReviewBreakdown {
  /** Node, the command's bundle and its imports, before the command's action started (median, ms). */
  startUpMs: number;
  /** The rest of the wall time (median, ms). */
  workMs: number;
  /** `--timings` of the run with the median wall time. */
  timings: TimingsReport;
}

export interface ReviewBenchResult {
  migrations: number;
  findings: number;
  cold: Measurement;
  warm: Measurement;
  reviewInProcess: Measurement;
  squawk: Measurement;
  coldBreakdown: ReviewBreakdown;
  warmBreakdown: ReviewBreakdown;
  /** db:review median / squawk median (below 1: ours is faster). */
  coldRatio: number;
  warmRatio: number;
}

/** Runs a linter to its end, with its wall time; exit 1 (findings) is a normal end for a linter. */
async function runLinter(program: string, args: string[], env: Record<string, string> = {}) {
  const result = await startProcess(program, args, env).done;
  if (result.code !== 0 && result.code !== 1) {
    const how = result.code === null ? `signal ${result.signal}` : `exit ${result.code}`;
    throw new Error(`${program} ${args.slice(0, 3).join(" ")} … failed (${how}):\n${result.stderr.slice(-2000)}`);
  }
  return { wallMs: result.ms, stderr: result.stderr };
}

/** `db:review` of the folder as a process (the package's script), with its cache in `cache`. */
async function dbReview(folder: string, cache: string): Promise<ReviewProcess> {
  const [program, script] = packageScript("db:review");
  const args = [...script, "--migrations", folder, "--no-baseline", "--format", "json"];
  const { wallMs, stderr } = await runLinter(program, [...args, "--timings"], { MIGRATOR_REVIEW_CACHE: cache });
  const line = stderr.split("\n").find((l) => l.startsWith('{"timings"'));
  if (!line) throw new Error(`db:review printed no timings:\n${stderr.slice(-2000)}`);
  return { wallMs, timings: (JSON.parse(line) as { timings: TimingsReport }).timings };
}

function squawkBin(): string {
  return join(dirname(createRequire(import.meta.url).resolve("squawk-cli/package.json")), "js", "bin", "squawk");
}

/** The start-up and work of the run with the median wall time. */
function breakdown(runs: readonly ReviewProcess[]): ReviewBreakdown {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) throw new Error("benchmark 4 measured no db:review run");
  const startUp = runs.map((run) => run.timings.phases["before the command (process start, imports)"] ?? 0);
  const startUpMs = Math.round(median(startUp));
  return { startUpMs, workMs: Math.round(median(runs.map((run) => run.wallMs)) - startUpMs), timings: middle.timings };
}

/** Runs benchmark 4: `runs` rounds of db:review (cold and warm) and squawk over a corpus of `count` migrations. */
export async function benchReview(count: number, runs: number): Promise<ReviewBenchResult> {
  const root = mkdtempSync(join(tmpdir(), "trovella-bench-review-"));
  try {
    const folder = join(root, "migrations");
    const files = writeCorpus(folder, count);
    const last = files.at(-1) ?? "";
    const original = readFileSync(last, "utf8");
    // The cache of the corpus as committed: each warm round starts from a copy of it.
    const filled = join(root, "cache-filled");
    await dbReview(folder, filled);
    const config = readReviewConfig(REVIEW_CONFIG_PATH);
    let findings = 0;
    const coldRuns: ReviewProcess[] = [];
    const warmRuns: ReviewProcess[] = [];
    let round = 0;
    const [cold, warm, reviewInProcess, squawk] = await sideBySide(runs, [
      {
        label: "db:review, empty cache (process)",
        run: async () => {
          const run = await dbReview(folder, join(root, `cache-cold-${round}`));
          coldRuns.push(run);
          return run.wallMs;
        },
      },
      {
        label: "db:review, cache filled, last migration edited (process)",
        run: async () => {
          const cache = join(root, `cache-warm-${round}`);
          cpSync(filled, cache, { recursive: true });
          appendFileSync(last, EDIT);
          try {
            const run = await dbReview(folder, cache);
            if (run.timings.counts["parsed"] !== 1)
              throw new Error("the warm db:review did not parse exactly one file");
            warmRuns.push(run);
            return run.wallMs;
          } finally {
            writeFileSync(last, original);
          }
        },
      },
      {
        label: "reviewMigrations, no cache (in process)",
        run: async () => {
          const started = performance.now();
          findings = (await reviewMigrations(await reviewSources(readMigrationFolder(folder)), { config })).length;
          return performance.now() - started;
        },
      },
      {
        label: "squawk (process)",
        run: async () => {
          const { wallMs } = await runLinter(process.execPath, [squawkBin(), "--reporter", "json", ...files]);
          round++;
          return wallMs;
        },
      },
    ]);
    if (!cold || !warm || !reviewInProcess || !squawk) throw new Error("benchmark 4 measured nothing");
    const ratio = (ours: Measurement) => Math.round((ours.medianMs / squawk.medianMs) * 100) / 100;
    return {
      migrations: count,
      findings,
      cold,
      warm,
      reviewInProcess,
      squawk,
      coldBreakdown: breakdown(coldRuns),
      warmBreakdown: breakdown(warmRuns),
      coldRatio: ratio(cold),
      warmRatio: ratio(warm),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The phases of a run that took 5% of its command's work or more, largest first: `parse 410 ms, rules 380 ms`. */
function largestPhases(breakdown: ReviewBreakdown): string {
  const phases = Object.entries(breakdown.timings.phases)
    .filter(([phase, ms]) => !phase.startsWith("before the command") && ms >= breakdown.workMs * 0.05)
    .sort((a, b) => b[1] - a[1]);
  return phases.map(([phase, ms]) => `${phase} ${Math.round(ms)} ms`).join(", ");
}

/** Benchmark 4's lines of the results table: the cold and the warm db:review against squawk, each ≤ 1.0×. */
export function reviewRows(result: ReviewBenchResult): BenchRow[] {
  const row = (what: string, ours: Measurement, ratio: number, split: ReviewBreakdown, extra: string): BenchRow => ({
    benchmark: `4. review ${result.migrations} migrations, ${what}`,
    engine: "none (static)",
    ours: { label: "db:review", medianMs: ours.medianMs },
    baseline: { label: "squawk", medianMs: result.squawk.medianMs },
    target: "≤ 1.0× squawk",
    result:
      `${ratio}× squawk's time: start-up ${split.startUpMs} ms (node, bundle, imports) + review ${split.workMs} ms ` +
      `(${largestPhases(split)})${extra}`,
    met: ratio <= 1,
  });
  return [
    row(
      "cold (empty cache)",
      result.cold,
      result.coldRatio,
      result.coldBreakdown,
      `; in process without a cache: ${Math.round(result.reviewInProcess.medianMs)} ms, ${result.findings} findings`,
    ),
    row("one migration changed (warm cache)", result.warm, result.warmRatio, result.warmBreakdown, "; parsed 1 file"),
  ];
}
