import { databaseErrorFields, type Driver, INSUFFICIENT_PRIVILEGE } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";

/**
 * Drizzle's bookkeeping table, created exactly as drizzle-orm's migrator creates it, so that
 * Drizzle's migrator and this runner can share a database: one row per applied migration with the
 * file's hash and its time as `created_at`. drizzle-orm 1.0 adds `name` (the migration's folder
 * name) and `applied_at`, and decides by `name` alone what is applied; this runner writes `name`
 * whenever the table has it, so neither migrator ever runs a migration the other applied.
 */
export const BOOKKEEPING_TABLE = '"drizzle"."__drizzle_migrations"';

/** One row of the bookkeeping table. */
export interface AppliedRow {
  id: number;
  /**
   * The hash of the file the row records. NULL only in a table Drizzle did not create (its `hash`
   * is NOT NULL): such a row matches no migration (see `compareHistory`).
   */
  hash: string | null;
  /** The journal `when` of the migration the row records (Drizzle's `created_at`). */
  createdAt: number | null;
  /** Drizzle Kit 1.0's migration name (its folder name), when the table has the column and the row a value. */
  name?: string | null;
}

/**
 * The bookkeeping table as `found` (what {@link readBookkeeping} read), created first if it does
 * not exist, with the DDL of the Drizzle version whose folder layout this is: 0.x's three columns,
 * or 1.0's five. Nothing is created when
 * the table exists: `CREATE SCHEMA IF NOT EXISTS` asks for CREATE on the database and
 * `CREATE TABLE IF NOT EXISTS` for CREATE on the schema even then, rights a deploy role that only
 * reads and writes the table need not have.
 */
export async function ensureBookkeeping(
  driver: Driver,
  layout: MigrationFolder["layout"],
  found: Bookkeeping,
): Promise<Bookkeeping> {
  if (found.present) return found;
  await driver.exec('CREATE SCHEMA IF NOT EXISTS "drizzle"');
  await driver.exec(
    layout === "folders"
      ? `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint, name text, applied_at timestamp with time zone DEFAULT now())`
      : `CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (\n\tid SERIAL PRIMARY KEY,\n\thash text NOT NULL,\n\tcreated_at bigint\n)`,
  );
  return readBookkeeping(driver);
}

/**
 * Upgrades a 0.x table to 1.0's for a folder in 1.0's layout, as drizzle-orm 1.0's migrator does,
 * so both agree on every row: each row is matched to a migration (the one migration of its
 * `created_at` second, else the one with its hash), gets that migration's `name`, and
 * `applied_at` is left NULL for it. When a row matches no migration, or has no hash, nothing is
 * changed (the history comparison then reports it as unknown). A `name` column without the names would make
 * drizzle-orm 1.0 run every migration again, so the columns and the names come in one transaction.
 * Takes the table as read, and returns it as it is afterwards (read again only after an upgrade).
 */
export async function upgradeBookkeeping(
  driver: Driver,
  folder: MigrationFolder,
  bookkeeping: Bookkeeping,
): Promise<Bookkeeping> {
  const { rows, hasName } = bookkeeping;
  if (hasName || folder.layout !== "folders") return bookkeeping;
  const names = new Map<number, string>();
  for (const row of rows) {
    if (row.hash === null) return bookkeeping;
    const second = row.createdAt === null ? undefined : Math.floor(row.createdAt / 1000) * 1000;
    const inSecond = folder.migrations.filter((m) => m.when === second);
    const match = inSecond.length === 1 ? inSecond[0] : folder.migrations.find((m) => m.hash === row.hash);
    if (!match) return bookkeeping;
    names.set(row.id, match.name);
  }
  await driver.exec("BEGIN");
  try {
    await driver.exec(`ALTER TABLE ${BOOKKEEPING_TABLE} ADD COLUMN IF NOT EXISTS "name" text`);
    await driver.exec(
      `ALTER TABLE ${BOOKKEEPING_TABLE} ADD COLUMN IF NOT EXISTS "applied_at" timestamp with time zone DEFAULT now()`,
    );
    for (const [id, name] of names)
      await driver.query(`UPDATE ${BOOKKEEPING_TABLE} SET "name" = $1, "applied_at" = NULL WHERE "id" = $2`, [
        name,
        id,
      ]);
    await driver.exec("COMMIT");
  } catch (error) {
    await driver.exec("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return readBookkeeping(driver);
}

/** The bookkeeping table as it is: its rows, oldest first, and whether it has Drizzle Kit 1.0's `name` column. */
export interface Bookkeeping {
  /** The table exists (when not, there are no rows). */
  present: boolean;
  rows: AppliedRow[];
  /** The table has `name` (created or upgraded by drizzle-orm 1.0's migrator, or by this runner on a 1.0 folder). */
  hasName: boolean;
}

/** The columns of Drizzle's table that every version has, and this runner reads. */
const REQUIRED_COLUMNS = ["id", "hash", "created_at"];

/** Relation kinds a bookkeeping table can be: a table, a partitioned table, a view or a foreign table over one. */
const TABLE_KINDS = new Set(["r", "p", "v", "f"]);

/**
 * The applied rows, oldest first; none when the table does not exist yet (read-only). A relation of
 * that name that is not Drizzle's table, or that the session may not read, is a
 * `bookkeeping-unusable` error naming what it is or whose right is missing.
 */
export async function readBookkeeping(driver: Driver): Promise<Bookkeeping> {
  // The catalogs by name: not the information_schema.columns view (60 ms on a freshly opened
  // embedded database, and blind to a table the user has no right on), nor to_regclass (which
  // raises without USAGE on schema drizzle, before the runner could say whose right is missing).
  const catalog = await driver.query<{ column: string | null; kind: string; who: string }>(
    `SELECT a.attname AS "column", c.relkind::text AS kind, current_user::text AS who
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'drizzle' AND c.relname = '__drizzle_migrations'
      ORDER BY a.attnum`,
  );
  const [first] = catalog;
  if (!first) return { present: false, rows: [], hasName: false };
  const columns = catalog.flatMap((c) => (c.column === null ? [] : [c.column]));
  if (!TABLE_KINDS.has(first.kind) || REQUIRED_COLUMNS.some((c) => !columns.includes(c))) {
    throw new RunnerError({ kind: "bookkeeping-unusable", relkind: first.kind, columns });
  }
  const hasName = columns.includes("name");
  const rows = await driver
    .query<{ id: number; hash: string | null; created_at: string | null; name: string | null }>(
      `SELECT id, hash, created_at::text AS created_at, ${hasName ? "name" : "NULL::text AS name"} FROM ${BOOKKEEPING_TABLE} ORDER BY id`,
    )
    .catch((error: unknown) => {
      const database = databaseErrorFields(error);
      if (database.code !== INSUFFICIENT_PRIVILEGE) throw error;
      throw new RunnerError({ kind: "bookkeeping-unusable", user: first.who, database });
    });
  return {
    present: true,
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
