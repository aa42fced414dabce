/**
 * Benchmark 4: `db:review` against squawk (npm `squawk-cli`, its Linux/macOS/Windows binary comes
 * as an optional npm dependency) on the same generated corpus of Drizzle-style migrations. Both
 * as processes, wall time (what a CI step or a pre-commit hook pays), side by side in each round:
 * - db:review cold: an empty review cache (a first run, which also fills the cache);
 * - db:review warm: the cache of the corpus as it was, then its last migration edited (the
 *   pre-commit case: one migration changed since the last review);
 * - squawk on every file (it keeps no cache: cold and warm are the same run for it);
 * plus our review in process without a cache (no start-up), and where a run's time went
 * (`db:review --timings`). Then the warm round again with a complete snapshot per migration, as a
 * real history has, against squawk on the same SQL.
 */
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
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
import { writeCorpus, writeCorpusSnapshots } from "@repo/migrator/testing";
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
  /** The warm run on the corpus with a complete snapshot per migration (what a real history has). */
  warmWithSnapshots: Measurement;
  /** Squawk on the same files in the rounds of `warmWithSnapshots` (it reads no snapshot). */
  squawkWithSnapshots: Measurement;
  warmWithSnapshotsBreakdown: ReviewBreakdown;
  warmWithSnapshotsRatio: number;
  /** The size of one snapshot (bytes). */
  snapshotBytes: number;
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
          const run = await warmReview(folder, last, filled, join(root, `cache-warm-${round}`));
          warmRuns.push(run);
          return run.wallMs;
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
    const ratio = (ours: Measurement, theirs = squawk) => Math.round((ours.medianMs / theirs.medianMs) * 100) / 100;
    const snapshots = await warmWithSnapshots(folder, files, root, runs);
    return {
      migrations: count,
      findings,
      cold,
      warm,
      warmWithSnapshots: snapshots.warm,
      squawkWithSnapshots: snapshots.squawk,
      warmWithSnapshotsBreakdown: breakdown(snapshots.runs),
      warmWithSnapshotsRatio: ratio(snapshots.warm, snapshots.squawk),
      snapshotBytes: snapshots.bytes,
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

/**
 * One warm round: a copy of the cache `filled` before the edit, the `last` migration edited, one
 * db:review, the edit undone. Throws unless it parsed exactly the edited file.
 */
async function warmReview(folder: string, last: string, filled: string, cache: string): Promise<ReviewProcess> {
  const original = readFileSync(last, "utf8");
  cpSync(filled, cache, { recursive: true });
  appendFileSync(last, EDIT);
  try {
    const run = await dbReview(folder, cache);
    if (run.timings.counts["parsed"] !== 1) throw new Error("the warm db:review did not parse exactly one file");
    return run;
  } finally {
    writeFileSync(last, original);
  }
}

/**
 * The warm round again on the corpus with a complete snapshot per migration, as a real history has
 * (the review hashes them for Drizzle Kit's input and checks them for its warnings), against
 * squawk on the same SQL files. The files are dated an hour back, as a checkout leaves them.
 */
async function warmWithSnapshots(folder: string, files: string[], root: string, runs: number) {
  const paths = writeCorpusSnapshots(folder, files.length);
  const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
  for (const path of [...files, ...paths]) utimesSync(path, anHourAgo, anHourAgo);
  const last = files.at(-1) ?? "";
  const filled = join(root, "cache-filled-snapshots");
  await dbReview(folder, filled);
  const warmRuns: ReviewProcess[] = [];
  let round = 0;
  const [warm, squawk] = await sideBySide(runs, [
    {
      label: "db:review, snapshots, cache filled, last migration edited (process)",
      run: async () => {
        const run = await warmReview(folder, last, filled, join(root, `cache-warm-snapshots-${round++}`));
        if (run.timings.counts["snapshots hashed"] !== undefined)
          throw new Error("the warm db:review with snapshots read a snapshot");
        warmRuns.push(run);
        return run.wallMs;
      },
    },
    {
      label: "squawk, same files (process)",
      run: async () => (await runLinter(process.execPath, [squawkBin(), "--reporter", "json", ...files])).wallMs,
    },
  ]);
  if (!warm || !squawk) throw new Error("benchmark 4 (with snapshots) measured nothing");
  return { warm, squawk, runs: warmRuns, bytes: statSync(paths[0] ?? "").size };
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
    {
      ...row(
        `with a ${Math.round(result.snapshotBytes / 1024)} KB snapshot each, one migration changed (warm cache)`,
        result.warmWithSnapshots,
        result.warmWithSnapshotsRatio,
        result.warmWithSnapshotsBreakdown,
        "; parsed 1 file, read no snapshot",
      ),
      baseline: { label: "squawk", medianMs: result.squawkWithSnapshots.medianMs },
    },
  ];
}
