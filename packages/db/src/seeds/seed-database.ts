/**
 * Seeds a Trovella database: the library behind `pnpm db:seed`, and what tests call.
 */
import { type ProjectSeed, readDatabaseEnvironment, redactUrl, runSeed, type SeedReport } from "@repo/migrator";
import { createDatabase, type Database } from "../client.ts";
import { type Connection, connectionFromEnv } from "../connection.ts";
import { SEED_TIERS } from "./tiers.ts";

/** Rows of a `db.execute` result on either engine (both drivers return `{ rows }`). */
async function queryRows(db: Database, text: string): Promise<readonly Record<string, unknown>[]> {
  const result = (await db.execute(text)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/**
 * Runs the tiers allowed in this environment (or `only` those), refusing non-reference tiers when
 * `nodeEnv` is `production` or the database is marked production (`app.environment`).
 *
 * @example
 * const report = await seedDatabase(db, { nodeEnv: process.env.NODE_ENV, only: ["reference"] });
 */
export async function seedDatabase(
  db: Database,
  options: { nodeEnv: string | undefined; only?: readonly string[] },
): Promise<SeedReport> {
  return runSeed({
    tiers: SEED_TIERS,
    context: { db },
    nodeEnv: options.nodeEnv,
    readDatabaseEnvironment: () => readDatabaseEnvironment((text) => queryRows(db, text)),
    ...(options.only && options.only.length > 0 ? { only: options.only } : {}),
  });
}

/**
 * Seeds the database a connection points at (opened and closed here): what `pnpm db:seed` runs.
 * Returns where it seeded, safe to print, with the report.
 */
export async function seedConnection(
  connection: Connection,
  options: { nodeEnv: string | undefined; only?: readonly string[] },
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
  run: (env, { only }) => seedConnection(connectionFromEnv(env), { nodeEnv: env["NODE_ENV"], only }),
};
