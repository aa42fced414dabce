/**
 * Drizzle Kit's snapshots: the schema as Drizzle Kit saw it after each migration, kept as plain
 * JSON. `drizzle-kit generate` diffs the schema against the last one; db:review and db:revert diff
 * consecutive ones.
 */

/**
 * A Drizzle Kit PostgreSQL snapshot: 0.x's (`meta/<prefix>_snapshot.json`, version 7, `tables`,
 * one parent in `prevId`) or 1.0's (`<folder>/snapshot.json`, version 8 with `ddl` or 9 with
 * `deltas`, parents in `prevIds`).
 */
export type Snapshot = Record<string, unknown> & { id: string; prevId?: string; prevIds?: string[] };

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
