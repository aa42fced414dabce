/**
 * The snapshots of a branch's migrations, regenerated on top of the base's last snapshot: each
 * migration's own change (its parent snapshot → its snapshot) applied onto the new chain head, so
 * `drizzle-kit generate` diffs the merged schema against a snapshot that has both sides. Each one
 * is checked with Drizzle Kit's own differ: from the new parent, the new snapshot must give the
 * statements the original gave from its parent.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { canonicalStatements } from "../sql/canonical-sql.ts";
import { diffSnapshots, SnapshotDiffError } from "../snapshot/snapshot-diff.ts";
import { touchedObjects, withChangesReverted } from "../snapshot/snapshot-objects.ts";
import { parentIds, type Snapshot } from "../snapshot/snapshot.ts";
import { RebaseError } from "./rebase-error.ts";

/** A snapshot's schema, without what names it in the chain. */
function schemaOf(snapshot: Snapshot): Record<string, unknown> {
  const { id: _id, prevId: _prevId, prevIds: _prevIds, _meta, ...schema } = snapshot;
  return schema;
}

/** `snapshot` as the child of `parent`: a new id, and the parent in the field its format uses. */
function chained(snapshot: Snapshot, parent: Snapshot, format: Snapshot): Snapshot {
  const { prevId: _prevId, prevIds: _prevIds, ...rest } = snapshot;
  return Array.isArray(format.prevIds)
    ? { ...rest, id: randomUUID(), prevIds: [parent.id] }
    : { ...rest, id: randomUUID(), prevId: parent.id };
}

/**
 * Drizzle Kit's statements between two snapshots (by the Drizzle Kit of `folder`'s project),
 * canonical and sorted; undefined when it would ask about a rename.
 */
async function generated(from: Snapshot, to: Snapshot, folder: string): Promise<string[] | undefined> {
  try {
    return (await diffSnapshots(from, to, { folder })).flatMap(canonicalStatements).sort();
  } catch (error) {
    if (error instanceof SnapshotDiffError && error.reason === "ambiguous-rename") return undefined;
    throw error;
  }
}

/** What a migration's snapshot needs to be regenerated. */
export interface OwnSnapshot {
  tag: string;
  /** Its snapshot as Drizzle Kit wrote it. */
  snapshot: Snapshot;
}

/**
 * The new snapshot of each migration, in order, chained from `head` (the base's last snapshot).
 * `byId` finds each migration's parent (at the base or on the branch); `folder` is the migrations
 * folder, whose project's Drizzle Kit checks each result. Refuses (`rebase-refused`)
 * when a parent is unknown, when the snapshot format is one this toolkit cannot read the changes
 * of, or when the differ's statements differ.
 */
export async function regenerateSnapshots(
  migrations: readonly OwnSnapshot[],
  head: Snapshot,
  byId: ReadonlyMap<string, Snapshot>,
  folder: string,
): Promise<Snapshot[]> {
  const regenerated: Snapshot[] = [];
  let chainHead = head;
  for (const { tag, snapshot } of migrations) {
    const parents = parentIds(snapshot);
    const parent = parents.length === 1 ? byId.get(parents[0] as string) : undefined;
    if (!parent) {
      throw new RebaseError(
        "rebase-refused",
        `cannot tell what ${tag} changed: its snapshot names ${parents.length === 1 ? `the parent ${parents[0]}, which no snapshot at the base or on the branch has` : `${parents.length} parents (${parents.join(", ")})`}`,
        "restore the branch's snapshots from git (the merge may have replaced one), or move the migration by hand: take it out, merge, and run drizzle-kit generate again",
        { migrations: [tag] },
      );
    }
    if (isDeepStrictEqual(schemaOf(parent), schemaOf(snapshot))) {
      // A hand-written migration: Drizzle Kit copies the parent's schema.
      chainHead = chained({ ...chainHead, _meta: snapshot["_meta"] ?? chainHead["_meta"] }, chainHead, snapshot);
      regenerated.push(chainHead);
      continue;
    }
    if (touchedObjects(parent, snapshot).changed.size === 0) {
      throw new RebaseError(
        "rebase-refused",
        `cannot regenerate the snapshot of ${tag}: its snapshot differs from its parent's, but not in a way this toolkit reads (snapshot version ${String(snapshot["version"] ?? "?")})`,
        "move the migration by hand: take it out of the branch, merge the base, and run drizzle-kit generate again",
        { migrations: [tag] },
      );
    }
    const applied = withChangesReverted(chainHead, snapshot, parent);
    const next = chained({ ...applied, _meta: snapshot["_meta"] ?? applied["_meta"] }, chainHead, snapshot);
    const [expected, actual] = [await generated(parent, snapshot, folder), await generated(chainHead, next, folder)];
    const sameLabels = () =>
      isDeepStrictEqual(
        [...touchedObjects(parent, snapshot).changed.keys()].sort(),
        [...touchedObjects(chainHead, next).changed.keys()].sort(),
      );
    if (expected === undefined || actual === undefined ? !sameLabels() : !isDeepStrictEqual(expected, actual)) {
      throw new RebaseError(
        "rebase-refused",
        `the regenerated snapshot of ${tag} does not reproduce it: Drizzle Kit's differ gives other statements from the base's schema than the migration holds`,
        "move the migration by hand: take it out of the branch, merge the base, and run drizzle-kit generate again",
        { migrations: [tag] },
      );
    }
    regenerated.push(next);
    chainHead = next;
  }
  return regenerated;
}
