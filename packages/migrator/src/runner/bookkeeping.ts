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
  /** Drizzle Kit 1.0's migration name (its folder name), when the table has the column and the row a value. */
  name?: string | null;
}

/** Creates the `drizzle` schema and the bookkeeping table if they do not exist (Drizzle's DDL). */
export async function ensureBookkeeping(driver: Driver): Promise<void> {
  await driver.exec('CREATE SCHEMA IF NOT EXISTS "drizzle"');
  await driver.exec(
    `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (\n\tid SERIAL PRIMARY KEY,\n\thash text NOT NULL,\n\tcreated_at bigint\n)`,
  );
}

/** The bookkeeping table as it is: its rows, oldest first, and whether it has Drizzle Kit 1.0's `name` column. */
export interface Bookkeeping {
  rows: AppliedRow[];
  /** The table has `name` (created or upgraded by drizzle-orm 1.0's migrator, or by this runner on a 1.0 folder). */
  hasName: boolean;
}

/** The applied rows, oldest first; none when the table does not exist yet (read-only). */
export async function readBookkeeping(driver: Driver): Promise<Bookkeeping> {
  const columns = await driver.query<{ column: string }>(
    `SELECT column_name AS "column" FROM information_schema.columns
      WHERE table_schema = 'drizzle' AND table_name = '__drizzle_migrations'`,
  );
  if (columns.length === 0) return { rows: [], hasName: false };
  const hasName = columns.some((c) => c.column === "name");
  const rows = await driver.query<{ id: number; hash: string; created_at: string | null; name: string | null }>(
    `SELECT id, hash, created_at::text AS created_at, ${hasName ? "name" : "NULL::text AS name"} FROM ${BOOKKEEPING_TABLE} ORDER BY id`,
  );
  return {
    hasName,
    rows: rows.map((r) => ({
      id: Number(r.id),
      hash: r.hash,
      createdAt: r.created_at === null ? null : Number(r.created_at),
      ...(hasName ? { name: r.name } : {}),
    })),
  };
}

/** The applied rows, oldest first (see {@link readBookkeeping}). */
export async function readAppliedRows(driver: Driver): Promise<AppliedRow[]> {
  return (await readBookkeeping(driver)).rows;
}

/**
 * Records one applied migration (inside the migration's own transaction when it has one), with
 * Drizzle's values: the file's hash and its `when` as `created_at`; with `name` when the table has
 * the column, which is how drizzle-orm 1.0's migrator decides what is applied.
 */
export async function recordMigration(
  driver: Driver,
  migration: { hash: string; when: number },
  name?: string,
): Promise<void> {
  if (name === undefined) {
    await driver.query(`INSERT INTO ${BOOKKEEPING_TABLE} ("hash", "created_at") VALUES ($1, $2)`, [
      migration.hash,
      migration.when,
    ]);
  } else {
    await driver.query(`INSERT INTO ${BOOKKEEPING_TABLE} ("hash", "created_at", "name") VALUES ($1, $2, $3)`, [
      migration.hash,
      migration.when,
      name,
    ]);
  }
}
