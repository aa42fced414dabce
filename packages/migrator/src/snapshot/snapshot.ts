/**
 * Drizzle Kit's snapshots: the schema as Drizzle Kit saw it after each migration, kept as plain
 * JSON. `drizzle-kit generate` diffs the schema against the last one; db:review and db:revert diff
 * consecutive ones.
 */
import { SnapshotDiffError } from "./snapshot-diff-error.ts";

/**
 * A Drizzle Kit PostgreSQL snapshot: 0.x's (`meta/<prefix>_snapshot.json`, version 7, `tables`,
 * one parent in `prevId`) or 1.0's (`<folder>/snapshot.json`, version 8 with `ddl` or 9 with
 * `deltas`, parents in `prevIds`).
 */
export type Snapshot = Record<string, unknown> & { id: string; prevId?: string; prevIds?: string[] };

/**
 * The snapshot formats the toolkit reads: `"7"`, Drizzle Kit 0.x's (collections of tables, enums …
 * keyed by name), and `"8"`, Drizzle Kit 1.0's (`ddl`, one flat list of entities, each tagged with
 * its `entityType`), which `drizzle-kit up` writes from a 7.
 */
export type SnapshotVersion = "7" | "8";

/**
 * The format of a snapshot. Format 9 (Drizzle Kit 1.0.0-rc.5 and later builds: a first `base`
 * snapshot, then `diff` snapshots that hold only their own migration's changes as `deltas`) is
 * recognised and refused with `SnapshotDiffError` (`unsupported-snapshot`), like anything else.
 */
export function snapshotVersion(snapshot: Snapshot): SnapshotVersion {
  const version = snapshot["version"];
  if (Array.isArray(snapshot["ddl"]) && version === "8") return "8";
  if (typeof snapshot["tables"] === "object" && snapshot["tables"] !== null && !Array.isArray(snapshot["ddl"]))
    return "7";
  const what =
    version === "9" || Array.isArray(snapshot["deltas"])
      ? `Drizzle Kit's format 9 (${snapshot["type"] === "diff" ? "a diff snapshot: only its own migration's changes, the schema is rebuilt from the whole chain" : "written by drizzle-kit 1.0.0-rc.5 and later builds"})`
      : `no Drizzle Kit PostgreSQL snapshot format the toolkit knows (version ${JSON.stringify(version)})`;
  throw new SnapshotDiffError(
    `snapshot ${snapshot.id} is ${what}; the toolkit reads formats 7 (Drizzle Kit 0.x) and 8 (Drizzle Kit 1.0.0-rc.5-5935859)`,
    "unsupported-snapshot",
    [],
    "keep the project on a Drizzle Kit that writes format 7 or 8 for now, or write this migration by hand (change the TypeScript schema, then drizzle-kit generate)",
  );
}

/** The ids of a snapshot's parents (1.0 records more than one after a branch merge). */
export function parentIds(snapshot: Snapshot): string[] {
  if (Array.isArray(snapshot.prevIds)) return snapshot.prevIds;
  return typeof snapshot.prevId === "string" && snapshot.prevId !== "" ? [snapshot.prevId] : [];
}

/**
 * The snapshot file of a migration: Drizzle Kit names it after the tag's prefix, the part before
 * the first `_` (`0007` for `0007_x`, `20240101120000` for a timestamp-prefixed tag).
 *
 * @example snapshotFileName("0007_tro-101") // "0007_snapshot.json"
 */
export function snapshotFileName(tag: string): string {
  return `${tag.split("_")[0]}_snapshot.json`;
}

/** The Drizzle Kit (PostgreSQL, version 7) snapshot of an empty database: what the first migration is diffed against. */
export function emptySnapshot(): Snapshot {
  return {
    id: "00000000-0000-0000-0000-000000000000",
    prevId: "",
    version: "7",
    dialect: "postgresql",
    tables: {},
    enums: {},
    schemas: {},
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { columns: {}, schemas: {}, tables: {} },
  };
}
