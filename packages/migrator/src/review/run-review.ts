/**
 * One review run as the command performs it: read the folder, review the selected migrations
 * (replaying the whole history), optionally run the live checks, and split the findings by the
 * baseline. Returns data; the command prints it.
 */
import { applyBaseline, type Baseline, type BaselineEntry } from "./baseline.ts";
import type { ReviewConfig } from "./config.ts";
import type { Finding } from "./finding.ts";
import { type LiveReview, liveReview } from "./live-review.ts";
import type { LiveDatabase } from "./live/live-database.ts";
import type { FolderIssue } from "../journal/folder-issue.ts";
import { type HistoryReview, reviewHistory } from "../history/history-findings.ts";
import {
  folderSnapshotWarnings,
  hasSnapshotFile,
  type MigrationFolder,
  readMigrationFolder,
} from "../journal/migration-folder.ts";
import { findMigration } from "../journal/find-migration.ts";
import { FileDigests } from "./file-digests.ts";
import { loadParser } from "../sql/parse-migration.ts";
import type { ReviewCache } from "./review-cache.ts";
import { folderSources } from "./review-sources.ts";
import { reviewMigrations } from "./review-migrations.ts";
import { ReviewTimings } from "./review-timings.ts";
import { ruleById } from "./rules/index.ts";

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
  /** Opens a fresh, empty throwaway database for the live checks (`--live`). */
  openLiveDatabase?: () => Promise<LiveDatabase>;
  /** With `--live`: a real database to weigh the measured locks by (read-only). */
  reference?: { url: string; largeTableRows: number };
  /** `--base REF`: also report what the branch did to the migrations at REF (git). */
  base?: string;
  /** The review cache (`db:review` uses one unless `--no-cache`); the findings are the same without it. */
  cache?: ReviewCache;
  /** Where the time goes (`--timings`); one is made when not given. */
  timings?: ReviewTimings;
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
  /** What `--live` measured. */
  live?: LiveReview;
  /** The folder's untidiness, its snapshots' included (parsed here, as the review diffs them). */
  folderWarnings: FolderIssue[];
  /** What `--base` found; its findings are in `findings` too (never accepted by the baseline). */
  history?: HistoryReview;
  /** Where the time went, and what came from the cache. */
  timings: ReviewTimings;
}

/** Runs the review. Throws a `MigratorError` for a folder that cannot be read or an unknown tag. */
export async function runReview(options: RunReviewOptions): Promise<ReviewRun> {
  const timings = options.timings ?? new ReviewTimings();
  // PostgreSQL's parser compiles in the background while the folder is read and the cache looked
  // up: a run that parses anything waits about 40 ms less for it; one answered wholly from the
  // cache pays about 25 ms for a parser it did not need (measured on the 1,000-migration corpus).
  loadParser().catch(() => undefined); // a failure is reported where the parser is awaited
  await new Promise((resolve) => setImmediate(resolve));
  const folder = timings.time("read folder", () => readMigrationFolder(options.folder));
  const reviewed = options.tags?.length
    ? options.tags.map((tag) => findMigration(folder, tag).tag)
    : folder.migrations.map((m) => m.tag);
  const digests = new FileDigests(options.cache, folder.folder);
  const sources = folderSources(folder, { displayFolder: options.displayFolder, differ: true, digests });
  const all = await reviewMigrations(sources, {
    config: options.config,
    only: reviewed,
    timings,
    ...(options.cache
      ? { cache: options.cache, cacheScope: folder.folder, keepIf: () => digests.unchangedSinceRead() }
      : {}),
  });
  let live: LiveReview | undefined;
  if (options.openLiveDatabase) {
    const open = options.openLiveDatabase;
    live = await timings.timeAsync("--live", () =>
      liveReview(sources, {
        config: options.config,
        open,
        measure: reviewed,
        ...(options.reference ? { reference: options.reference } : {}),
      }),
    );
    // A finding names its source's file (`0007_x.sql`, or `<name>/migration.sql` in the 1.0 layout).
    const reviewedFiles = new Set(sources.filter((s) => reviewed.includes(s.tag)).map((s) => s.file));
    all.push(...live.findings.filter((finding) => finding.file === "(catalog)" || reviewedFiles.has(finding.file)));
  }
  const { base } = options;
  const history = base
    ? await timings.timeAsync("--base", () =>
        reviewHistory(folder, base, options.config, options.displayFolder ?? folder.folder),
      )
    : undefined;
  const folderWarnings = [
    ...folder.warnings,
    ...timings.time("snapshot warnings", () => snapshotWarnings(folder, digests, options.cache)),
  ];
  if (digests.filesRead > 0) timings.count("snapshots hashed", digests.filesRead);
  timings.time("cache write", () => digests.save());
  const extra = { folderWarnings, timings, ...(live ? { live } : {}), ...(history ? { history } : {}) };
  const historyFindings = history?.findings ?? [];
  if (!options.baseline)
    return { findings: [...all, ...historyFindings], accepted: [], all, stale: [], reviewed, ...extra };
  const { remaining, accepted, stale } = applyBaseline(all, options.baseline);
  // Entries of live rules match only in a --live run; without one they are not stale.
  const checked = stale.filter((entry) => live || ruleById(entry.rule)?.source !== "live");
  const findings = [...remaining, ...historyFindings];
  return { findings, accepted, all, stale: options.tags?.length ? [] : checked, reviewed, ...extra };
}

/**
 * The folder's snapshot warnings, which parse every snapshot: from the cache when no snapshot's
 * bytes changed since a run that parsed them.
 */
function snapshotWarnings(
  folder: MigrationFolder,
  digests: FileDigests,
  cache: ReviewCache | undefined,
): FolderIssue[] {
  if (!cache) return folderSnapshotWarnings(folder);
  // A snapshot the reader found missing is not parsed for the warnings, even if it appeared since.
  const snapshots = folder.migrations.flatMap((m) => [
    m.tag,
    m.snapshotPath,
    hasSnapshotFile(m) ? digests.digest(m.snapshotPath) : "missing when read",
  ]);
  const key = cache.key("snapshot-warnings", folder.layout, ...snapshots);
  const cached = cache.read<unknown>("files", key);
  if (Array.isArray(cached)) return cached as FolderIssue[];
  const warnings = folderSnapshotWarnings(folder);
  // A snapshot written after it was hashed may have been parsed with its new bytes: nothing is
  // kept under the old bytes' key (the next run hashes and parses it again).
  if (digests.unchangedSinceRead()) cache.write("files", key, warnings);
  return warnings;
}
