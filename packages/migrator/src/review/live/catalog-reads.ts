/**
 * What `--live` reads from the throwaway database around each statement: every user relation with
 * its storage file (`relfilenode`, new after a rewrite) and the sequential scans this transaction
 * made of it (`pg_stat_get_xact_numscans`), and the table locks a session holds (`pg_locks`).
 */
import type { Driver } from "../../drivers/driver.ts";
import { isLockMode, type LockMode } from "./lock-modes.ts";

/** A relation as it stands at one moment. */
export interface RelationState {
  oid: string;
  schema: string;
  name: string;
  /** `pg_class.relkind`: `r` table, `p` partitioned table, `m` materialized view, `i` index, `S` sequence, `v` view… */
  kind: string;
  /** `pg_class.relfilenode` (0 for relations without storage). */
  filenode: string;
  /** Scans of it begun in the current transaction (0 outside a transaction block). */
  scans: number;
}

/** Every relation outside PostgreSQL's own schemas, by oid. */
export async function readRelations(driver: Driver): Promise<Map<string, RelationState>> {
  const rows = await driver.query<RelationState>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
            c.relfilenode::text AS filenode, pg_stat_get_xact_numscans(c.oid)::int AS scans
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return new Map(rows.map((row) => [row.oid, { ...row, scans: Number(row.scans) }]));
}

/** One table lock of a session. */
export interface HeldLock {
  oid: string;
  mode: LockMode;
  /** False while the session waits for it. */
  granted: boolean;
}

/** The table locks of a session in the current database (`pid` undefined: this session). */
export async function readLocks(driver: Driver, pid?: number): Promise<HeldLock[]> {
  const rows = await driver.query<{ oid: string; mode: string; granted: boolean }>(
    `SELECT l.relation::text AS oid, l.mode, l.granted
       FROM pg_locks l
      WHERE l.pid = coalesce($1::int, pg_backend_pid()) AND l.locktype = 'relation'
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [pid ?? null],
  );
  return rows.flatMap((row) => (isLockMode(row.mode) ? [{ oid: row.oid, mode: row.mode, granted: row.granted }] : []));
}
