/**
 * The migrations of a folder as the review reads them: each file's text under the path findings
 * print, and what Drizzle Kit's differ generates between consecutive snapshots (for the rules that
 * compare hand-written SQL with it).
 */
import { join, relative } from "node:path";
import { hasSnapshotFile, type Migration, type MigrationFolder } from "../journal/migration-folder.ts";
import { differInstalls, diffSnapshots, SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { emptySnapshot, type Snapshot } from "../snapshot/snapshot.ts";
import { FileDigests } from "./file-digests.ts";
import type { GeneratedStatements, MigrationSource } from "./migration-source.ts";

/**
 * The folder's migrations in journal order. `displayFolder` is how findings name the folder (e.g.
 * relative to where the command runs). With `withGenerated`, each source carries the statements
 * Drizzle Kit generates from the previous snapshot to its own, where both snapshots exist.
 */
export async function reviewSources(
  folder: MigrationFolder,
  options: { displayFolder?: string; withGenerated?: boolean } = {},
): Promise<MigrationSource[]> {
  const sources = folderSources(folder, { displayFolder: options.displayFolder, differ: options.withGenerated });
  for (const source of sources) {
    if (!source.differ) continue;
    Object.assign(source, await source.differ.run());
    delete source.differ;
  }
  return sources;
}

/**
 * The folder's migrations in journal order, without running Drizzle Kit: with `differ`, each
 * source whose snapshot file exists gets a `differ` that diffs on demand, keyed by both snapshot
 * files' bytes and the Drizzle Kits it would choose from (so the review cache answers for it
 * without loading Drizzle Kit).
 */
export function folderSources(
  folder: MigrationFolder,
  options: {
    displayFolder?: string | undefined;
    differ?: boolean | undefined;
    /** Hashes the snapshot files (a run with a cache reuses the last run's hashes of unchanged files). */
    digests?: FileDigests;
  } = {},
): MigrationSource[] {
  const installs = options.differ ? differInstalls({ folder: folder.folder }) : "";
  const digests = options.digests ?? new FileDigests(undefined, folder.folder);
  const keys = new Map<Migration, string>();
  const snapshotKey = (migration: Migration | undefined): string => {
    if (!migration) return "the empty snapshot";
    // As the reader saw it: a snapshot it found missing is diffed as missing, even if it appeared since.
    if (!hasSnapshotFile(migration)) return "missing when read";
    let key = keys.get(migration);
    if (key === undefined) {
      key = digests.digest(migration.snapshotPath);
      keys.set(migration, key);
    }
    return key;
  };
  return folder.migrations.map((migration, position) => {
    const source: MigrationSource = {
      tag: migration.tag,
      file: join(options.displayFolder ?? folder.folder, relative(folder.folder, migration.file)),
      text: migration.sql,
    };
    // Without its snapshot a migration has no generated statements (the reader warned about it).
    if (!options.differ || !hasSnapshotFile(migration)) return source;
    const previous = position === 0 ? undefined : folder.migrations[position - 1];
    source.differ = {
      key: () => JSON.stringify([snapshotKey(previous), snapshotKey(migration), installs]),
      run: (onLoad) =>
        generatedStatements(previous ? previous.snapshot : emptySnapshot(), migration.snapshot, {
          folder: folder.folder,
          ...(onLoad ? { onLoad } : {}),
        }),
    };
    return source;
  });
}

/** What Drizzle Kit generates between two snapshots; nothing when either is missing or incomplete. */
async function generatedStatements(
  previous: Snapshot | undefined,
  current: Snapshot | undefined,
  options: Parameters<typeof diffSnapshots>[2],
): Promise<GeneratedStatements> {
  if (!isComplete(previous) || !isComplete(current)) return {};
  try {
    return { generated: await diffSnapshots(previous, current, options) };
  } catch (error) {
    if (!(error instanceof SnapshotDiffError)) throw error;
    return { generatedError: error.message };
  }
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
