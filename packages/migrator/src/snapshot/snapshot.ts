/**
 * Drizzle Kit's snapshots: the schema as Drizzle Kit saw it after each migration, kept as plain
 * JSON. `drizzle-kit generate` diffs the schema against the last one; db:review and db:revert diff
 * consecutive ones.
 */

/** A Drizzle Kit PostgreSQL snapshot (`meta/<prefix>_snapshot.json`). */
export type Snapshot = Record<string, unknown> & { id: string; prevId: string };

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
