/**
 * One review run as the command performs it: read the folder, review the selected migrations
 * (replaying the whole history), optionally run the live checks, and split the findings by the
 * baseline. Returns data; the command prints it.
 */
import type { Driver } from "../drivers/driver.ts";
import { applyBaseline, type Baseline, type BaselineEntry } from "./baseline.ts";
import type { ReviewConfig } from "./config.ts";
import type { Finding } from "./finding.ts";
import { liveReview } from "./live-review.ts";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { findMigration } from "../journal/find-migration.ts";
import { reviewSources } from "./review-sources.ts";
import { reviewMigrations } from "./review-migrations.ts";

export interface RunReviewOptions {
  /** The migrations folder (with `meta/_journal.json`). */
  folder: string;
  /** How findings name the folder. */
  displayFolder?: string;
  config: ReviewConfig;
  /** Accepted findings; leave out to see everything. */
  baseline?: Baseline;
  /** Review only these migrations: full tags or their number prefix (`0008`). */
  tags?: readonly string[];
  /** Opens a fresh, empty database for the live checks (`--live`). */
  openLiveDriver?: () => Promise<Driver>;
}

export interface ReviewRun {
  /** Findings the baseline does not accept: what the command reports. */
  findings: Finding[];
  /** Findings the baseline accepts. */
  accepted: Finding[];
  /** Every finding before the baseline (what `--write-baseline` records). */
  all: Finding[];
  /** Baseline entries that matched no finding (fixed or changed statements); only for a whole-history run. */
  stale: BaselineEntry[];
  /** The tags reviewed. */
  reviewed: string[];
}

/** Runs the review. Throws a `MigratorError` for a folder that cannot be read or an unknown tag. */
export async function runReview(options: RunReviewOptions): Promise<ReviewRun> {
  const folder = readMigrationFolder(options.folder);
  const reviewed = options.tags?.length
    ? options.tags.map((tag) => findMigration(folder, tag).tag)
    : folder.migrations.map((m) => m.tag);
  const sources = await reviewSources(folder, { displayFolder: options.displayFolder, withGenerated: true });
  const all = await reviewMigrations(sources, { config: options.config, only: reviewed });
  if (options.openLiveDriver) {
    const live = await liveReview(sources, { config: options.config, openDriver: options.openLiveDriver });
    all.push(
      ...live.filter(
        (finding) => finding.file === "(catalog)" || reviewed.some((tag) => finding.file.endsWith(`${tag}.sql`)),
      ),
    );
  }
  if (!options.baseline) return { findings: all, accepted: [], all, stale: [], reviewed };
  const { remaining, accepted, stale } = applyBaseline(all, options.baseline);
  return { findings: remaining, accepted, all, stale: options.tags?.length ? [] : stale, reviewed };
}
