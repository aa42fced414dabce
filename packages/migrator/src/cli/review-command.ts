import { relative } from "node:path";
import { Command, Option } from "commander";
import { MigratorError } from "../errors/migrator-error.ts";
import { FORMATS, type Format, formatFindings } from "../review/formats.ts";
import { readBaseline, readReviewConfig, writeBaseline } from "../review/review-files.ts";
import { runReview } from "../review/run-review.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { userPath } from "./options.ts";
import { refuseInitOptionsWithoutInit, reviewInit } from "./review-init.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";

interface ReviewFlags {
  migrations: string;
  format: Format;
  live: boolean;
  /** The baseline file, or false with --no-baseline. */
  baseline: string | false;
  writeBaseline: boolean;
  config: string;
  init: boolean;
  force: boolean;
  tenantColumn?: string;
  role?: string;
  guardsFrom?: string;
}

/**
 * `db:review [TAG…]`: reviews migrations against the rules (docs/review-rules.md). Exit 0 with no
 * error-level finding, 1 with error-level findings, 2 when the review cannot run (folder, config,
 * baseline, tag).
 */
export function reviewCommand(project: Project, name = "db:review") {
  return (context: CommandContext): Command => {
    const review = project.review;
    return new Command(name)
      .description("review migrations with PostgreSQL's parser against the rules in docs/review-rules.md")
      .argument("[tags...]", "migrations to review (tag or number, e.g. 0008); default: the whole history")
      .option(
        "--migrations <dir>",
        "the migrations folder (relative to where you run the command)",
        project.migrationsFolder,
      )
      .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("text"))
      .option("--live", "also apply the history to a throwaway database: re-runnability and RLS in the catalog", false)
      .option("--baseline <file>", "the baseline of accepted findings", review?.baselinePath)
      .option("--no-baseline", "report findings the baseline accepts too")
      .option("--write-baseline", "accept every current finding: rewrite the baseline file", false)
      .option("--config <file>", "the review config", review?.configPath)
      .option("--init", "adopt the review: write the config and a baseline accepting every current finding", false)
      .option("--force", "with --init: replace an existing config and baseline", false)
      .option("--tenant-column <column>", "with --init: the column that makes a table a tenant table (multi-tenant)")
      .option("--role <role>", "with --init: the role tenant tables' policies are for (with --tenant-column)")
      .option("--guards-from <tag>", "with --init: migrations from this one on must be re-runnable")
      .action(async (tags: string[], flags: ReviewFlags) => {
        await runAction(context, { json: flags.format === "json", project }, async () => {
          if (!review) throw new Error(`${name}: the project defines no review settings`);
          const baselinePath = userPath(context, flags.baseline || review.baselinePath);
          if (flags.init) return reviewInit(context, { ...flags, baselinePath }, tags);
          refuseInitOptionsWithoutInit(flags);
          if (flags.writeBaseline && tags.length > 0) {
            throw new MigratorError(
              "invalid-option",
              "--write-baseline records the whole history, not single migrations",
              "run it without TAG arguments",
            );
          }
          const folder = userPath(context, flags.migrations);
          const run = await runReview({
            folder,
            displayFolder: relative(context.cwd, folder) || ".",
            config: readReviewConfig(userPath(context, flags.config)),
            baseline: flags.baseline && !flags.writeBaseline ? readBaseline(baselinePath) : undefined,
            tags,
            openLiveDriver: flags.live ? review.openThrowawayDriver : undefined,
          });
          if (flags.writeBaseline) {
            writeBaseline(baselinePath, run.all);
            context.err(`Wrote ${run.all.length} accepted finding(s) to ${relative(context.cwd, baselinePath)}\n`);
            return EXIT.ok;
          }
          context.out(formatFindings(run.findings, flags.format));
          const errors = run.findings.filter((f) => f.severity === "error").length;
          const warnings = run.findings.length - errors;
          const accepted = run.accepted.length ? `, ${run.accepted.length} accepted by the baseline` : "";
          context.err(
            `Reviewed ${run.reviewed.length} migration(s)${flags.live ? " (with --live)" : ""}: ${errors} error(s), ${warnings} warning(s)${accepted}\n`,
          );
          for (const entry of run.stale) {
            context.err(
              `Baseline entry matches nothing now (fixed?): ${entry.file} ${entry.rule} "${entry.message}". Remove it or run --write-baseline.\n`,
            );
          }
          return errors > 0 ? EXIT.failed : EXIT.ok;
        });
      });
  };
}
