import type { Driver } from "../drivers/driver.ts";

/**
 * Drizzle's bookkeeping table, created exactly as drizzle-orm's migrator creates it, so that
 * `drizzle-kit migrate` and this runner can share a database: one row per applied migration with
 * the file's hash and the journal's `when` as `created_at`.
 */
export const BOOKKEEPING_TABLE = '"drizzle"."__drizzle_migrations"';

/** One row of the bookkeeping table. */
export interface AppliedRow {
  id: number;
  hash: string;
  /** The journal `when` of the migration the row records (Drizzle's `created_at`). */
  createdAt: number | null;
}

/** Creates the `drizzle` schema and the bookkeeping table if they do not exist (Drizzle's DDL). */
export async function ensureBookkeeping(driver: Driver): Promise<void> {
  await driver.exec('CREATE SCHEMA IF NOT EXISTS "drizzle"');
  await driver.exec(
    `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (\n\tid SERIAL PRIMARY KEY,\n\thash text NOT NULL,\n\tcreated_at bigint\n)`,
  );
}

/** The applied rows, oldest first; none when the table does not exist yet (read-only). */
export async function readAppliedRows(driver: Driver): Promise<AppliedRow[]> {
  const [exists] = await driver.query<{ present: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present",
  );
  if (!exists?.present) return [];
  const rows = await driver.query<{ id: number; hash: string; created_at: string | null }>(
    `SELECT id, hash, created_at::text AS created_at FROM ${BOOKKEEPING_TABLE} ORDER BY id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    hash: r.hash,
    createdAt: r.created_at === null ? null : Number(r.created_at),
  }));
}

/** Records one applied migration (inside the migration's own transaction when it has one). */
export async function recordMigration(driver: Driver, hash: string, when: number): Promise<void> {
  await driver.query(`INSERT INTO ${BOOKKEEPING_TABLE} ("hash", "created_at") VALUES ($1, $2)`, [hash, when]);
}
