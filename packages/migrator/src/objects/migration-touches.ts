/**
 * What one migration touches, as db:revert and db:rebase both need it: the objects its snapshots
 * record (what Drizzle Kit generated), and the objects of its hand-written statements, which no
 * snapshot records (extensions, custom indexes, grants …).
 */
import { relative } from "node:path";
import type { Migration } from "../journal/migration-folder.ts";
import { reverseManualSql } from "../revert/manual-sql.ts";
import { diffSnapshots } from "../snapshot/snapshot-diff.ts";
import { renameAmbiguities, snapshotNames, TouchedObjects, touchedObjects } from "../snapshot/snapshot-objects.ts";
import type { Snapshot } from "../snapshot/snapshot.ts";

/**
 * The objects a migration touched: `recorded` from the snapshot before it (`previous`) and its own,
 * `handWritten` from the statements Drizzle Kit would not have generated between them (by the
 * Drizzle Kit of `folder`'s project; locations relative to it). `earlier` are the migrations
 * before it (an extension one of them created is not this one's).
 */
export async function migrationTouches(
  folder: string,
  previous: Snapshot,
  migration: Migration & { snapshot: Snapshot },
  earlier: Migration[],
): Promise<{ recorded: TouchedObjects; handWritten: TouchedObjects }> {
  const recorded = touchedObjects(previous, migration.snapshot);
  const statements = renameAmbiguities(previous, migration.snapshot).length
    ? []
    : await diffSnapshots(previous, migration.snapshot, { folder });
  const manual = reverseManualSql({
    file: relative(folder, migration.file),
    sql: migration.sql,
    generated: statements,
    after: snapshotNames(migration.snapshot),
    before: snapshotNames(previous),
    droppedTables: new Set(),
    earlierSql: earlier.map((m) => ({ file: relative(folder, m.file), sql: m.sql })),
  });
  const handWritten = new TouchedObjects();
  for (const t of manual.touched) handWritten.add(t.label, t.parent);
  return { recorded, handWritten };
}
