import { relative } from "node:path";
import { Command, Option } from "commander";
import { MigratorError } from "../errors/migrator-error.ts";
import { describeFolderIssue } from "../journal/folder-issue.ts";
import { fixMigrations } from "../review/fix/fix-migrations.ts";
import type { HistoryReview } from "../history/history-findings.ts";
import { FORMATS, type Format, formatFindings } from "../review/formats.ts";
import { embeddedLiveDatabase, type LiveDatabase, serverLiveDatabase } from "../review/live/live-database.ts";
import { formatLockReport } from "../review/live/lock-report.ts";
import { REVIEW_CACHE_ENV, ReviewCache, reviewCacheDir } from "../review/review-cache.ts";
import { readBaseline, readReviewConfig, writeBaseline } from "../review/review-files.ts";
import { formatTimings, ReviewTimings } from "../review/review-timings.ts";
import { ruleById } from "../review/rules/index.ts";
import { type ReviewRun, runReview } from "../review/run-review.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { integer, userPath } from "./options.ts";
import type { Project, ProjectReview } from "./project.ts";
import { refuseInitOptionsWithoutInit, reviewInit } from "./review-init.ts";
import { runAction } from "./run-command.ts";

interface ReviewFlags {
  migrations: string;
  format: Format;
  live: boolean;
  liveUrl?: string;
  databaseUrl?: string;
  largeTable: number;
  /** The baseline file, or false with --no-baseline. */
  baseline: string | false;
  writeBaseline: boolean;
  fix: boolean;
  config: string;
  init: boolean;
  force: boolean;
  tenantColumn?: string;
  role?: string;
  guardsFrom?: string;
  base?: string;
  /** False with --no-cache. */
  cache: boolean;
  timings: boolean;
}

/** From how many rows (the planner's estimate) a table of the reference database counts as large. */
const DEFAULT_LARGE_TABLE_ROWS = 100_000;

/** The throwaway database `--live` uses: a server's when one is named, else the embedded one. */
function liveDatabase(
  review: ProjectReview,
  flags: ReviewFlags,
  context: CommandContext,
): (() => Promise<LiveDatabase>) | undefined {
  if (!flags.live) return undefined;
  const serverUrl = flags.liveUrl ?? review.liveServerUrl?.(context.env);
  return serverUrl ? () => serverLiveDatabase(serverUrl) : () => embeddedLiveDatabase(review.openThrowawayDriver);
}

/** Refuses option combinations that would silently do nothing. */
function checkFlags(flags: ReviewFlags, tags: string[]): void {
  if (flags.writeBaseline && tags.length > 0) {
    throw new MigratorError(
      "invalid-option",
      "--write-baseline records the whole history, not single migrations",
      "run it without TAG arguments",
    );
  }
  if (flags.fix && flags.writeBaseline) {
    throw new MigratorError(
      "invalid-option",
      "--fix and --write-baseline do not go together",
      "fix first, review the result, then write the baseline in a separate run",
    );
  }
  if ((flags.databaseUrl || flags.liveUrl) && !flags.live) {
    throw new MigratorError(
      "invalid-option",
      `${flags.databaseUrl ? "--database-url" : "--live-url"} only works with --live`,
      "add --live",
    );
  }
}

/**
 * `--fix`: rewrites the uncommitted migrations, says what it changed and left, and returns the
 * migrations to review next: after a fix of named TAGs, every uncommitted migration (TAGs may
 * have been renumbered); otherwise the whole history.
 */
async function fix(
  context: CommandContext,
  folder: string,
  tags: string[],
  config: ReturnType<typeof readReviewConfig>,
): Promise<string[]> {
  const report = await fixMigrations({ folder, tags, config });
  for (const change of report.changes) context.err(`fixed: ${change}\n`);
  for (const item of report.left) context.err(`left as it is: ${item}\n`);
  if (report.changes.length === 0) {
    context.err(`--fix: nothing to fix in the ${report.uncommitted.length} uncommitted migration(s)\n`);
  } else if (report.rewritten.length > 0) {
    // --fix never touches a committed migration, but a development database may have applied these.
    context.err(
      `note: a database that applied ${report.rewritten.join(", ")} before this fix now finds them modified (or unknown, when renumbered): recreate that development database and migrate it again\n`,
    );
  }
  return tags.length > 0 ? report.uncommitted : [];
}

/** `--base`: what was compared, the edits the config accepted (and what the deploy needs), entries that accept nothing. */
function printHistory(context: CommandContext, history: HistoryReview): void {
  context.err(`Compared the history with ${history.ref} (${history.commit.slice(0, 12)})\n`);
  for (const edit of history.accepted) {
    const deploy = edit.needsAcceptHash
      ? `every database that applied it needs \`db:accept-hash ${edit.tag}\` before the next deploy`
      : "its SQL is unchanged, so no database needs db:accept-hash";
    context.err(`Accepted edit of ${edit.tag} (${edit.parts.join(", ")}): ${edit.reason}; ${deploy}\n`);
  }
  for (const entry of history.unusedAcceptances) {
    context.err(
      `acceptedEdits entry for ${entry.tag} accepts nothing (not edited since ${history.ref}): remove it once every database ran db:accept-hash\n`,
    );
  }
}

/**
 * `db:review [TAG…]`: reviews migrations against the rules (docs/review-rules.md). Exit 0 with no
 * error-level finding, 1 with error-level findings, 2 when the review cannot run (folder, config,
 * baseline, tag, options).
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
      .option(
        "--live",
        "also apply the history to a throwaway database: the locks, rewrites and scans of each reviewed statement, re-runnability, RLS in the catalog",
        false,
      )
      .option("--live-url <url>", "with --live: a server to create the throwaway database on (any database URL on it)")
      .option(
        "--database-url <url>",
        "with --live: a real database to weigh the measured locks by table size (opened read-only, never written)",
      )
      .addOption(
        new Option("--large-table <rows>", "with --database-url: a table with this many rows counts as large")
          .argParser(integer(1, Number.MAX_SAFE_INTEGER, "rows"))
          .default(DEFAULT_LARGE_TABLE_ROWS),
      )
      .option(
        "--fix",
        "first rewrite the uncommitted migrations (TAGs, or all after the last committed one) into their safe form: concurrent indexes and VALIDATE in a new no-transaction migration, guards; then review",
        false,
      )
      .option("--baseline <file>", "the baseline of accepted findings", review?.baselinePath)
      .option("--no-baseline", "report findings the baseline accepts too")
      .option("--write-baseline", "accept every current finding: rewrite the baseline file", false)
      .option("--config <file>", "the review config", review?.configPath)
      .option("--init", "adopt the review: write the config and a baseline accepting every current finding", false)
      .option("--force", "with --init: replace an existing config and baseline", false)
      .option("--tenant-column <column>", "with --init: the column that makes a table a tenant table (multi-tenant)")
      .option("--role <role>", "with --init: the role tenant tables' policies are for (with --tenant-column)")
      .option("--guards-from <tag>", "with --init: migrations from this one on must be re-runnable")
      .option(
        "--base <ref>",
        "also compare with the migrations at REF (git): each one modified, renamed or deleted since, and each new one that does not come after REF's last, is an error",
        review?.baseRef?.(context.env),
      )
      .option(
        "--no-cache",
        `parse and review every migration again instead of reusing what earlier runs computed from the same bytes (kept in node_modules/.cache/, or $${REVIEW_CACHE_ENV})`,
      )
      .option(
        "--timings",
        "print where the time went to standard error (start-up, reading, parsing, rules, Drizzle Kit, cache)",
        false,
      )
      .action(async (tags: string[], flags: ReviewFlags) => {
        await runAction(context, { json: flags.format === "json", project }, async () => {
          if (!review) throw new Error(`${name}: the project defines no review settings`);
          const timings = new ReviewTimings();
          // In a process of its own, the time since it started: Node, the loader and the imports.
          timings.add("before the command (process start, imports)", performance.now());
          const baselinePath = userPath(context, flags.baseline || review.baselinePath);
          if (flags.init) return reviewInit(context, { ...flags, baselinePath }, tags);
          refuseInitOptionsWithoutInit(flags);
          checkFlags(flags, tags);
          const folder = userPath(context, flags.migrations);
          const config = timings.time("read config", () => readReviewConfig(userPath(context, flags.config)));
          const reviewed = flags.fix ? await fix(context, folder, tags, config) : tags;
          const cache = timings.time("cache setup", () => reviewCache(flags, context, folder));
          const run = await runReview({
            folder,
            displayFolder: relative(context.cwd, folder) || ".",
            config,
            baseline: flags.baseline && !flags.writeBaseline ? readBaseline(baselinePath) : undefined,
            tags: reviewed,
            openLiveDatabase: liveDatabase(review, flags, context),
            ...(flags.databaseUrl ? { reference: { url: flags.databaseUrl, largeTableRows: flags.largeTable } } : {}),
            ...(flags.base && !flags.writeBaseline ? { base: flags.base } : {}),
            ...(cache ? { cache } : {}),
            timings,
          });
          if (cache?.stats.writeError) {
            context.err(
              `warning: the review cache was not written (${cache.stats.writeError}); this run reviewed everything\n`,
            );
          }
          try {
            return timings.time("output", () => report(context, flags, run, baselinePath));
          } finally {
            if (flags.timings) {
              timings.total(performance.now());
              const json = timings.toJSON();
              context.err(flags.format === "json" ? `${JSON.stringify({ timings: json })}\n` : formatTimings(json));
            }
          }
        });
      });
  };
}

/**
 * The review cache for this run: none with --no-cache or where no `node_modules` folder is found,
 * nor when the toolkit cannot tell what it is (the review never fails for its cache).
 */
function reviewCache(flags: ReviewFlags, context: CommandContext, folder: string): ReviewCache | undefined {
  if (!flags.cache) return undefined;
  try {
    const dir = reviewCacheDir({ env: context.env, folder, cwd: context.cwd });
    return dir ? new ReviewCache(dir) : undefined;
  } catch (error) {
    context.err(`warning: the review cache is off (${(error as Error).message}); every migration is reviewed\n`);
    return undefined;
  }
}

/** Prints the run (or writes the baseline); returns the exit code. */
function report(context: CommandContext, flags: ReviewFlags, run: ReviewRun, baselinePath: string): number {
  if (flags.writeBaseline) {
    // A run without --live ran no live rule: the live findings the baseline accepted still stand.
    const kept = flags.live
      ? []
      : readBaseline(baselinePath).findings.filter((e) => ruleById(e.rule)?.source === "live");
    writeBaseline(baselinePath, run.all, kept);
    const keptWords = kept.length ? ` and kept ${kept.length} of --live's (run it with --live to rewrite those)` : "";
    context.err(`Wrote ${run.all.length} accepted finding(s) to ${relative(context.cwd, baselinePath)}${keptWords}\n`);
    return EXIT.ok;
  }
  for (const warning of run.folderWarnings) context.err(`warning: ${describeFolderIssue(warning)}\n`);
  context.out(formatFindings(run.findings, flags.format));
  if (run.live) {
    const lockReport = formatLockReport(run.live.evidence, run.live.source, run.live.weights);
    if (flags.format === "text") context.out(lockReport);
    else context.err(lockReport);
  }
  const errors = run.findings.filter((f) => f.severity === "error").length;
  const warnings = run.findings.length - errors;
  const accepted = run.accepted.length ? `, ${run.accepted.length} accepted by the baseline` : "";
  context.err(
    `Reviewed ${run.reviewed.length} migration(s)${flags.live ? " (with --live)" : ""}: ${errors} error(s), ${warnings} warning(s)${accepted}\n`,
  );
  if (run.history) printHistory(context, run.history);
  for (const entry of run.stale) {
    context.err(
      `Baseline entry matches nothing now (fixed?): ${entry.file} ${entry.rule} "${entry.message}". Remove it or run --write-baseline.\n`,
    );
  }
  return errors > 0 ? EXIT.failed : EXIT.ok;
}
