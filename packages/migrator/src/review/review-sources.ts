/**
 * The migrations of a folder as the review reads them: each file's text under the path findings
 * print, and what Drizzle Kit's differ generates between consecutive snapshots (for the rules that
 * compare hand-written SQL with it).
 */
import { join, relative } from "node:path";
import type { MigrationFolder } from "../journal/migration-folder.ts";
import { diffSnapshots, SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { emptySnapshot, type Snapshot } from "../snapshot/snapshot.ts";
import type { MigrationSource } from "./review-migrations.ts";

/**
 * The folder's migrations in journal order. `displayFolder` is how findings name the folder (e.g.
 * relative to where the command runs). With `withGenerated`, each source carries the statements
 * Drizzle Kit generates from the previous snapshot to its own, where both snapshots exist.
 */
export async function reviewSources(
  folder: MigrationFolder,
  options: { displayFolder?: string; withGenerated?: boolean } = {},
): Promise<MigrationSource[]> {
  const sources: MigrationSource[] = [];
  for (const [position, migration] of folder.migrations.entries()) {
    const source: MigrationSource = {
      tag: migration.tag,
      file: join(options.displayFolder ?? folder.folder, relative(folder.folder, migration.file)),
      text: migration.sql,
    };
    sources.push(source);
    if (!options.withGenerated) continue;
    const previous = position === 0 ? emptySnapshot() : folder.migrations[position - 1]?.snapshot;
    if (!isComplete(previous) || !isComplete(migration.snapshot)) continue;
    try {
      source.generated = await diffSnapshots(previous, migration.snapshot, { folder: folder.folder });
    } catch (error) {
      if (!(error instanceof SnapshotDiffError)) throw error;
      source.generatedError = error.message;
    }
  }
  return sources;
}

/**
 * Whether a snapshot describes a schema: Drizzle Kit 0.x's has `tables`, 1.0's `ddl` (format 8) or
 * `deltas` (format 9, which the differ refuses with a reason the review reports). A stub
 * (`{id, prevId, version, dialect}`, as trimmed copies of large histories keep) or a file of
 * another kind leaves the migration without generated statements, as a missing snapshot does;
 * the folder reader warns about it.
 */
function isComplete(snapshot: Snapshot | undefined): snapshot is Snapshot {
  if (!snapshot) return false;
  const tables = snapshot["tables"];
  return (
    (typeof tables === "object" && tables !== null) ||
    Array.isArray(snapshot["ddl"]) ||
    Array.isArray(snapshot["deltas"])
  );
}
