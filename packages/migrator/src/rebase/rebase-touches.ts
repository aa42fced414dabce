/**
 * What a migration touches, for db:rebase's commutativity check: every statement read with
 * PostgreSQL's parser (either layout, with or without snapshots), together with what its
 * snapshots record and its hand-written statements touch (`objects/migration-touches.ts`, where
 * the snapshot format is one the snapshot reader knows).
 */
import { basename } from "node:path";
import type { Migration } from "../journal/migration-folder.ts";
import { migrationTouches } from "../objects/migration-touches.ts";
import { loadParser, parseMigration } from "../sql/parse-migration.ts";
import { commonObjects, type IndexTables, indexTables, sqlTouches } from "../sql/touched-objects.ts";
import { SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { type TouchedObjects } from "../snapshot/snapshot-objects.ts";
import type { Snapshot } from "../snapshot/snapshot.ts";

/** What one migration touches, and the statements that could not be read. */
export interface MigrationTouches {
  touched: TouchedObjects;
  unread: string[];
  /** The objects this migration and another both touch, as pairs of labels (this one's, the other's). */
  common(other: MigrationTouches): { a: string; b: string }[];
}

function merge(into: TouchedObjects, from: TouchedObjects): void {
  for (const [label, parent] of from.changed) into.add(label, parent);
  for (const [label, parent] of from.used) into.use(label, parent);
}

/**
 * Reads what migrations touch, with the index names of `history` resolved to their tables;
 * snapshots are diffed by the Drizzle Kit of `folder`'s project.
 */
export async function touchReader(
  folder: string,
  history: readonly Migration[],
): Promise<{
  of(
    m: Migration,
    own: Snapshot | undefined,
    parent: Snapshot | undefined,
    earlier: Migration[],
  ): Promise<MigrationTouches>;
}> {
  await loadParser();
  const parse = (m: Migration) => parseMigration(m.tag, basename(m.file), m.sql);
  const indexes: IndexTables = indexTables(history.map(parse));
  return {
    async of(m, own, parent, earlier) {
      const { touched, unread } = sqlTouches(parse(m), indexes);
      if (own && parent) {
        try {
          const { recorded, handWritten } = await migrationTouches(folder, parent, { ...m, snapshot: own }, earlier);
          merge(touched, recorded);
          merge(touched, handWritten);
        } catch (error) {
          // No differ for the snapshots' format, or one that fails: the SQL answer stands alone.
          if (!(error instanceof SnapshotDiffError)) throw error;
        }
      }
      return {
        touched,
        unread: unread.map((u) => `${m.tag} (${u.file}:${u.line}): ${u.reason}`),
        common(other) {
          return commonObjects(touched, other.touched);
        },
      };
    },
  };
}
