/**
 * `pnpm db:review [--migrations DIR] [--format text|json|github|sarif] [--live] [--no-baseline] [TAG…]`
 *
 * Reviews migrations against the rules in docs/review-rules.md. Exit codes: 0 no error-level
 * finding, 1 error-level findings, 2 the review could not run (bad config, folder or tag).
 */
import { relative, resolve } from "node:path";
import { Command, Option } from "commander";
import { FORMATS, type Format, formatFindings, runReview } from "@repo/migrator";
import {
  loadReviewBaseline,
  loadReviewConfig,
  openThrowawayDatabase,
  REVIEW_BASELINE_PATH,
  REVIEW_CONFIG_PATH,
  REVIEW_MIGRATIONS_FOLDER,
  writeReviewBaseline,
} from "./review-setup.ts";

interface Options {
  migrations: string;
  format: Format;
  live: boolean;
  baseline: boolean;
  writeBaseline: boolean;
  config: string;
}

const program = new Command("db:review")
  .description(
    "Review migrations: the wiki's checklist, checked with PostgreSQL's parser (rules: docs/review-rules.md)",
  )
  .argument("[tags...]", "migrations to review (tag or number, e.g. 0008); default: the whole history")
  .option("--migrations <dir>", "migrations folder", REVIEW_MIGRATIONS_FOLDER)
  .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("text"))
  .option("--live", "also apply the history to a throwaway database: re-runnability and RLS in the catalog", false)
  .option("--no-baseline", "report findings the baseline accepts too")
  .option("--write-baseline", "accept every current finding: rewrite the baseline file", false)
  .option("--config <file>", "review config", REVIEW_CONFIG_PATH)
  .action(async (tags: string[], options: Options) => {
    if (options.writeBaseline && tags.length > 0) {
      throw new Error("--write-baseline records the whole history: run it without TAG arguments");
    }
    const cwd = process.env["INIT_CWD"] ?? process.cwd();
    const folder = resolve(cwd, options.migrations);
    const run = await runReview({
      folder,
      displayFolder: relative(cwd, folder) || ".",
      config: loadReviewConfig(resolve(cwd, options.config)),
      baseline: options.baseline && !options.writeBaseline ? loadReviewBaseline() : undefined,
      tags,
      openLiveDriver: options.live ? openThrowawayDatabase : undefined,
    });
    if (options.writeBaseline) {
      writeReviewBaseline(run.all);
      console.error(`Wrote ${run.all.length} accepted finding(s) to ${relative(cwd, REVIEW_BASELINE_PATH)}`);
      return;
    }
    process.stdout.write(formatFindings(run.findings, options.format));
    const errors = run.findings.filter((f) => f.severity === "error").length;
    const warnings = run.findings.length - errors;
    const accepted = run.accepted.length ? `, ${run.accepted.length} accepted by the baseline` : "";
    console.error(
      `Reviewed ${run.reviewed.length} migration(s)${options.live ? " (with --live)" : ""}: ${errors} error(s), ${warnings} warning(s)${accepted}`,
    );
    for (const entry of run.stale) {
      console.error(
        `Baseline entry matches nothing now (fixed?): ${entry.file} ${entry.rule} "${entry.message}". Remove it or run --write-baseline.`,
      );
    }
    process.exitCode = errors > 0 ? 1 : 0;
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`db:review: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
