/**
 * `pnpm bench`: times `db:review` (static rules, no snapshots) against squawk (npm `squawk-cli`)
 * on the same generated corpus of 1,000 Drizzle-style migrations, and prints the ratio.
 * `--json` prints the numbers for CI; `--count N` changes the corpus size.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { readMigrationSources, reviewMigrations, writeCorpus } from "@repo/migrator";
import { loadReviewConfig } from "./review-setup.ts";

/** Wall time of one squawk run over the files (it exits 1 when it finds something: not a failure). */
function timeSquawk(files: string[]): Promise<number> {
  const bin = join(dirname(createRequire(import.meta.url).resolve("squawk-cli/package.json")), "js", "bin", "squawk");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, "--reporter", "json", ...files], { maxBuffer: 1 << 30 }, (error, stdout) => {
      if (error && !stdout) reject(new Error(`squawk failed to run: ${error.message}`));
      else resolve(performance.now() - started);
    });
  });
}

new Command("bench")
  .description("Time db:review against squawk on a generated corpus of migrations")
  .option("--count <n>", "migrations in the corpus", "1000")
  .option("--json", "print the numbers as JSON", false)
  .action(async (options: { count: string; json: boolean }) => {
    const count = Number(options.count);
    const folder = mkdtempSync(join(tmpdir(), "review-bench-"));
    try {
      const files = writeCorpus(folder, count);
      const config = loadReviewConfig();
      const started = performance.now();
      const sources = await readMigrationSources(folder);
      const findings = await reviewMigrations(sources, { config });
      const reviewMs = performance.now() - started;
      const squawkMs = await timeSquawk(files);
      const result = {
        migrations: count,
        reviewMs: Math.round(reviewMs),
        squawkMs: Math.round(squawkMs),
        ratio: Number((reviewMs / squawkMs).toFixed(2)),
        reviewFindings: findings.length,
      };
      if (options.json) console.log(JSON.stringify(result));
      else {
        console.log(`Corpus: ${count} Drizzle-style migrations`);
        console.log(`db:review (static): ${result.reviewMs} ms, ${findings.length} finding(s)`);
        console.log(`squawk:             ${result.squawkMs} ms`);
        console.log(`ratio db:review / squawk: ${result.ratio}`);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  })
  .parseAsync()
  .catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
