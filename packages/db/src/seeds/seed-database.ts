/**
 * Seeds a Trovella database: the library behind `pnpm db:seed`, and what tests call.
 */
import { readDatabaseEnvironment, runSeed, type SeedReport } from "@repo/migrator";
import type { Database } from "../client.ts";
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
