/**
 * Seeds a Trovella database: the library behind `pnpm db:seed`, and what tests call.
 */
import pg from "pg";
import {
  type ProjectSeed,
  readDatabaseEnvironment,
  redactUrl,
  runSeed,
  type SeedReport,
  seedInterrupted,
  tryAdvisoryLockSql,
  waitForAdvisoryLock,
} from "@repo/migrator";
import { createDatabase, type Database } from "../client.ts";
import { type Connection, connectionFromEnv } from "../connection.ts";
import { SEED_TIERS } from "./tiers.ts";

/** Rows of a `db.execute` result on either engine (both drivers return `{ rows }`). */
async function queryRows(db: Database, text: string): Promise<readonly Record<string, unknown>[]> {
  const result = (await db.execute(text)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/** The session advisory lock one seed run holds on a server, so concurrent runs go one after another. */
const SEED_RUN_LOCK = 7_411_935_000;

/** How a seed run is steered from outside: a signal that stops it, and who hears that it waits. */
export interface SeedControl {
  /** Aborted (with the signal's name) to stop after the running tier, or while waiting for the lock. */
  signal?: AbortSignal;
  /** Told once, before a run waits for another run's lock. */
  waiting?: (what: string) => void;
}

/**
 * Runs `run` while holding the seed lock on a connection of its own (a server pool); the embedded
 * database is one connection in one process, and createDatabase's folder lock refuses a second
 * process (exit 5), so there is nothing to wait for. A second run says it waits, waits (a signal
 * stops it) and then finds every row present. (Through a transaction-mode pooler a session lock
 * does not hold: seed on a direct connection.)
 */
async function oneRunAtATime<T>(db: Database, control: SeedControl, run: () => Promise<T>): Promise<T> {
  const pool = (db as unknown as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool)) return run();
  const holder = await pool.connect();
  try {
    // The holder sits idle while the tiers run on other connections: a server's
    // idle_session_timeout would end it, and the lock with it. Off for this session (PostgreSQL 14+).
    await holder.query("select set_config('idle_session_timeout', '0', false)").catch(() => undefined);
    const { signal, waiting } = control;
    const wait = await waitForAdvisoryLock(
      async () =>
        (await holder.query<{ got: boolean }>(`select ${tryAdvisoryLockSql(String(SEED_RUN_LOCK))} as got`)).rows[0]
          ?.got === true,
      {
        ...(signal ? { signal } : {}),
        onWait: () => waiting?.("another db:seed is running on this database: waiting for it to finish (Ctrl-C stops)"),
      },
    );
    if (wait.outcome !== "locked" && signal) throw seedInterrupted(signal, "while waiting for another db:seed");
    return await run();
  } finally {
    await holder.query("select pg_advisory_unlock($1)", [SEED_RUN_LOCK]).catch(() => undefined);
    holder.release();
  }
}

/**
 * Runs the tiers allowed in this environment (or `only` those), refusing non-reference tiers when
 * `nodeEnv` is `production` or the database is marked production (`app.environment`). Concurrent
 * runs on a server wait for each other (a session advisory lock).
 *
 * @example
 * const report = await seedDatabase(db, { nodeEnv: process.env.NODE_ENV, only: ["reference"] });
 */
export async function seedDatabase(
  db: Database,
  options: { nodeEnv: string | undefined; only?: readonly string[] } & SeedControl,
): Promise<SeedReport> {
  return oneRunAtATime(db, options, () =>
    runSeed({
      tiers: SEED_TIERS,
      context: { db },
      nodeEnv: options.nodeEnv,
      readDatabaseEnvironment: () => readDatabaseEnvironment((text) => queryRows(db, text)),
      ...(options.only && options.only.length > 0 ? { only: options.only } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

/**
 * Seeds the database a connection points at (opened and closed here): what `pnpm db:seed` runs.
 * Returns where it seeded, safe to print, with the report.
 */
export async function seedConnection(
  connection: Connection,
  options: { nodeEnv: string | undefined; only?: readonly string[] } & SeedControl,
): Promise<{ target: string; report: SeedReport }> {
  const handle = createDatabase(connection);
  try {
    const report = await seedDatabase(handle.db, options);
    return { target: connection.kind === "postgres" ? redactUrl(connection.url) : connection.dataDir, report };
  } finally {
    await handle.close();
  }
}

/** Trovella's seed tiers as the seed command runs them, on the database the environment names. */
export const trovellaSeed: ProjectSeed = {
  tiers: SEED_TIERS,
  run: (env, { only, signal, waiting }) =>
    seedConnection(connectionFromEnv(env), {
      nodeEnv: env["NODE_ENV"],
      only,
      ...(signal ? { signal } : {}),
      ...(waiting ? { waiting } : {}),
    }),
};
