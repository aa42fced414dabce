/**
 * Where Trovella's database is: a PostgreSQL server when `DATABASE_URL` is set, otherwise an
 * embedded PGlite database (with pgvector) in a git-ignored folder, so a new user needs no server.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import {
  ConnectionError,
  type Driver,
  lockPgliteFolder,
  openEmptyPglite,
  openPgliteFolder,
  openPostgresDriver,
  pgliteDriver,
} from "@repo/migrator";
import "./env.ts";

export type Connection = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

/** The embedded database's default folder: `packages/db/.pglite` (git-ignored). */
export const DEFAULT_PGLITE_DIR = fileURLToPath(new URL("../.pglite", import.meta.url));

/**
 * Reads the connection from the environment: `DATABASE_URL` (a server), else `PGLITE_DATA_DIR`
 * (relative to where the user ran the command) or the default folder (embedded).
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): Connection {
  const url = env["DATABASE_URL"]?.trim();
  if (url) return { kind: "postgres", url };
  // A relative folder is the user's, from where they typed the command (pnpm runs scripts from the package folder).
  const from = env["INIT_CWD"] || process.cwd();
  return { kind: "pglite", dataDir: resolve(from, env["PGLITE_DATA_DIR"]?.trim() || DEFAULT_PGLITE_DIR) };
}

/** The PGlite extensions Trovella's migrations need (`CREATE EXTENSION vector`). */
export const pgliteExtensions = { vector };

/** Where the empty embedded data directory is kept between runs (git-ignored, like every cache). */
const PGLITE_CACHE_DIR = fileURLToPath(new URL("../node_modules/.cache/trovella-db", import.meta.url));

/**
 * Opens (creating if needed) an embedded database with the extensions Trovella's schema uses. A
 * new one is loaded from the cached empty data directory rather than made by initdb.
 */
export async function openPglite(dataDir: string): Promise<PGlite> {
  // One process at a time: a second opener gets a clear error instead of corrupting the folder.
  const lock = lockPgliteFolder(dataDir);
  let db: PGlite;
  try {
    // PGlite is loaded only here (commands on a server, db:migrate on deploy, skip its start-up),
    // baseline-compiled with a small buffer pool (pglite-start.ts): a command (or a test) is over
    // before V8's optimizing compiler or a large pool would pay off.
    db = await openPgliteFolder(dataDir, { extensions: pgliteExtensions, cacheDir: PGLITE_CACHE_DIR });
  } catch (error) {
    lock.release();
    throw error;
  }
  const close = db.close.bind(db);
  db.close = async () => {
    try {
      await close();
    } finally {
      lock.release();
    }
  };
  return db;
}

/**
 * Opens a migrator session on the connection. An embedded database is made where there is none
 * only with `create` (db:migrate); otherwise a folder without one is a `ConnectionError`.
 */
export async function openDriver(connection: Connection, options: { create?: boolean } = {}): Promise<Driver> {
  if (connection.kind === "postgres")
    return openPostgresDriver(connection.url, { applicationName: "trovella-migrator" });
  if (!options.create && !existsSync(join(connection.dataDir, "PG_VERSION")))
    throw new ConnectionError(connection.dataDir, "no PG_VERSION in it", "no-embedded-database");
  const db = await openPglite(connection.dataDir);
  return pgliteDriver(db, { target: connection.dataDir, owned: true });
}

/**
 * Opens an empty in-memory embedded database (with pgvector), gone on close: what `db:review
 * --live` uses. It loads an empty data directory dumped once and cached, instead of running initdb.
 */
export async function openThrowawayDatabase(): Promise<Driver> {
  const db = await openEmptyPglite({ extensions: pgliteExtensions, cacheDir: PGLITE_CACHE_DIR });
  return pgliteDriver(db, { target: "a throwaway embedded database", owned: true });
}
