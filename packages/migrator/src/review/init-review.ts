/**
 * Adoption: a project brings its existing history and gets a review config with the conventions
 * it chose and a baseline that accepts every current finding, so only new migrations are judged.
 * It also learns which migrations manage their own transactions (the runner refuses those unless
 * the project declares them). Returns data; the command prints it.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { writeBaseline } from "./review-files.ts";
import { parseReviewConfig, type ReviewConfig } from "./config.ts";
import type { Finding } from "./finding.ts";
import type { ReviewSettings } from "./rule.ts";
import { transactionControl } from "./rules/transaction-control.ts";
import { runReview } from "./run-review.ts";

export interface InitReviewOptions {
  /** The migrations folder. */
  folder: string;
  /** How findings name the folder. */
  displayFolder?: string;
  /** The conventions the project opts into; each left out is off. */
  settings: ReviewSettings;
  /** Where the config and the baseline go. */
  configPath: string;
  baselinePath: string;
  /** Replace files that exist (otherwise they are kept and `--init` refuses). */
  force?: boolean;
}

/** A migration with top-level transaction control, and the lines it is on. */
export interface SelfManagedMigration {
  tag: string;
  lines: number[];
}

export interface InitReviewResult {
  config: ReviewConfig;
  /** Every finding the baseline now accepts. */
  accepted: Finding[];
  /** The number of migrations reviewed. */
  migrations: number;
  /** Migrations that BEGIN or COMMIT at the top level, for the project's `selfManagedTransactions`. */
  selfManaged: SelfManagedMigration[];
}

/** `--init` would overwrite a file the project already has. */
export class ReviewInitError extends MigratorError {
  override name = "ReviewInitError";
  constructor(readonly paths: string[]) {
    super(
      "review-init-exists",
      `${paths.join(" and ")} already exist${paths.length === 1 ? "s" : ""}: db:review --init writes a new review config and baseline, which would replace the accepted findings and settings there`,
      "keep them and run db:review; to start over, pass --force (or --config/--baseline to write elsewhere)",
    );
  }

  protected override details(): Record<string, unknown> {
    return { paths: this.paths };
  }
}

/**
 * Reviews the whole history with the chosen conventions, then writes the config and the baseline
 * that accepts every finding. Nothing is written when the folder cannot be read, the settings are
 * invalid, or a file exists without `force`.
 *
 * @example await initReview({ folder: "drizzle", settings: {}, configPath: "review.config.json", baselinePath: "review-baseline.json" })
 */
export async function initReview(options: InitReviewOptions): Promise<InitReviewResult> {
  const existing = [options.configPath, options.baselinePath].filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) throw new ReviewInitError(existing);
  const config = parseReviewConfig({ ...options.settings, rules: {} }, "the --init options");
  const run = await runReview({ folder: options.folder, displayFolder: options.displayFolder, config });
  const configFile: Record<string, unknown> = { ...options.settings, rules: {} };
  mkdirSync(dirname(options.configPath), { recursive: true });
  writeFileSync(options.configPath, `${JSON.stringify(configFile, null, 2)}\n`);
  mkdirSync(dirname(options.baselinePath), { recursive: true });
  writeBaseline(options.baselinePath, run.all);
  return { config, accepted: run.all, migrations: run.reviewed.length, selfManaged: selfManaged(run.all) };
}

/** The migrations `transaction-control` reports, in history order, with the lines of their BEGINs and COMMITs. */
function selfManaged(findings: readonly Finding[]): SelfManagedMigration[] {
  const byTag = new Map<string, number[]>();
  for (const finding of findings) {
    if (finding.rule !== transactionControl.id) continue;
    const tag = basename(finding.file, ".sql");
    byTag.set(tag, [...(byTag.get(tag) ?? []), finding.line]);
  }
  return [...byTag].map(([tag, lines]) => ({ tag, lines }));
}
