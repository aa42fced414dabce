/**
 * Benchmark 4: `db:review` against squawk (npm `squawk-cli`, its Linux/macOS/Windows binary comes
 * as an optional npm dependency) on the same generated corpus of Drizzle-style migrations. Both
 * as processes, wall time (what a CI step pays), side by side; plus our review in process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readMigrationFolder, readReviewConfig, reviewMigrations, reviewSources } from "@repo/migrator";
import { writeCorpus } from "@repo/migrator/testing";
import { REVIEW_CONFIG_PATH } from "../src/project.ts";
import type { BenchRow } from "./bench-report.ts";
import { type Measurement, sideBySide } from "./timing.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface ReviewBenchResult {
  migrations: number;
  findings: number;
  review: Measurement;
  reviewInProcess: Measurement;
  squawk: Measurement;
  /** db:review median / squawk median (below 1: ours is faster). */
  ratio: number;
}

/** Wall time of a process; exit 1 with output (findings) is a normal end for a linter. */
function timeProcess(program: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd: PACKAGE_DIR, maxBuffer: 1 << 30 }, (error, stdout) => {
      if (error && !stdout)
        reject(new Error(`${program} ${args.slice(0, 3).join(" ")} … failed to run: ${error.message}`));
      else resolve(performance.now() - started);
    });
  });
}

function squawkBin(): string {
  return join(dirname(createRequire(import.meta.url).resolve("squawk-cli/package.json")), "js", "bin", "squawk");
}

/** Runs benchmark 4: `runs` rounds of db:review and squawk over a corpus of `count` migrations. */
export async function benchReview(count: number, runs: number): Promise<ReviewBenchResult> {
  const folder = mkdtempSync(join(tmpdir(), "trovella-bench-review-"));
  try {
    const files = writeCorpus(folder, count);
    const config = readReviewConfig(REVIEW_CONFIG_PATH);
    let findings = 0;
    const [review, reviewInProcess, squawk] = await sideBySide(runs, [
      {
        label: "db:review --no-baseline (process)",
        run: () =>
          timeProcess(process.execPath, [
            "--import",
            "tsx",
            "src/review.ts",
            "--migrations",
            folder,
            "--no-baseline",
            "--format",
            "json",
          ]),
      },
      {
        label: "reviewMigrations (in process)",
        run: async () => {
          const started = performance.now();
          findings = (await reviewMigrations(await reviewSources(readMigrationFolder(folder)), { config })).length;
          return performance.now() - started;
        },
      },
      {
        label: "squawk (process)",
        run: () => timeProcess(process.execPath, [squawkBin(), "--reporter", "json", ...files]),
      },
    ]);
    if (!review || !reviewInProcess || !squawk) throw new Error("benchmark 4 measured nothing");
    return {
      migrations: count,
      findings,
      review,
      reviewInProcess,
      squawk,
      ratio: Math.round((review.medianMs / squawk.medianMs) * 100) / 100,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Benchmark 4's line of the results table. */
export function reviewRows(result: ReviewBenchResult): BenchRow[] {
  return [
    {
      benchmark: `4. review ${result.migrations} migrations`,
      engine: "none (static)",
      ours: { label: "db:review", medianMs: result.review.medianMs },
      baseline: { label: "squawk", medianMs: result.squawk.medianMs },
      target: "report (vs. squawk)",
      result: `${result.ratio}× squawk's time (in process: ${Math.round(result.reviewInProcess.medianMs)} ms, ${result.findings} findings)`,
      met: null,
    },
  ];
}
