/**
 * The database client. `db` is the bare connection: it connects as the migration owner, which
 * bypasses Row-Level Security, so it is exported only from `@repo/db/client` for the migration
 * runner, seeds and auth bootstrap. Application code uses `withTenantContext`.
 */
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { type Connection, connectionFromEnv, pgliteExtensions } from "./connection.ts";
import * as schema from "./schema/index.ts";

/** A Drizzle database over Trovella's schema, on either engine. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** The transaction handle `withTenantContext` passes to its callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** A database handle and the function that releases its connections. */
export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

/**
 * Opens a Drizzle database on a connection: a `pg.Pool` (max 5) on a server, or the embedded
 * PGlite database. Prefer `db`; this is for tools and tests that choose their own database.
 */
export function createDatabase(connection: Connection, options: { pglite?: PGlite } = {}): DatabaseHandle {
  if (connection.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: connection.url, max: 5 });
    pool.on("error", () => undefined);
    return { db: drizzlePg(pool, { schema }) as unknown as Database, close: () => pool.end() };
  }
  const client = options.pglite ?? new PGlite(connection.dataDir, { extensions: pgliteExtensions });
  return {
    db: drizzlePglite(client, { schema }) as unknown as Database,
    close: async () => {
      if (!options.pglite) await client.close();
    },
  };
}

let shared: DatabaseHandle | undefined;
function sharedDatabase(): Database {
  shared ??= createDatabase(connectionFromEnv());
  return shared.db;
}

/**
 * The bare database connection (superuser / table owner: RLS does not apply). Opened on first
 * use from `DATABASE_URL`, or the embedded database when it is unset.
 */
export const db: Database = new Proxy({} as Database, {
  get(_target, key) {
    const real = sharedDatabase();
    const value: unknown = Reflect.get(real, key, real);
    return typeof value === "function" ? value.bind(real) : value;
  },
});

/** Closes the shared `db` connection (scripts call this before exiting). */
export async function closeDatabase(): Promise<void> {
  const handle = shared;
  shared = undefined;
  await handle?.close();
}

/** Whether the database answers, and how fast: for health checks. */
export async function checkDatabase(
  database: Database = db,
): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }> {
  const started = performance.now();
  try {
    await database.execute("select 1");
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Refused input to `withTenantContext`, raised before the database is touched. */
export class TenantContextError extends Error {
  override name = "TenantContextError";
}

function requireId(name: string, value: unknown, caller = "withTenantContext"): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TenantContextError(`${caller}: ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Runs `fn` in one transaction as the tenant: sets `app.tenant_id` and `app.user_id` for this
 * transaction only (`set_config(..., true)`) and switches to the `authenticated` role
 * (`SET LOCAL ROLE`), so every statement in `fn` is subject to the RLS policies. Both end with
 * the transaction, so a pooled connection never carries a tenant or a role into the next request.
 *
 * @example
 * const plans = await withTenantContext(orgId, userId, (tx) => tx.select().from(researchPlan));
 */
export async function withTenantContext<T>(
  tenantId: string,
  userId: string,
  fn: (tx: Transaction) => Promise<T>,
  database: Database = db,
): Promise<T> {
  const tenant = requireId("tenantId", tenantId);
  const user = requireId("userId", userId);
  return database.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.tenant_id', ${tenant}, true), set_config('app.user_id', ${user}, true)`,
    );
    await tx.execute(sql`set local role authenticated`);
    return fn(tx);
  });
}

/**
 * Runs `fn` in one transaction as a user outside any tenant: sets `app.user_id` only (so tenant
 * tables show nothing) and switches to `authenticated`, so user-scoped policies such as
 * `personal_access_token`'s apply. Like `withTenantContext`, everything ends with the transaction.
 *
 * @example
 * const tokens = await withUserContext(userId, (tx) => tx.select().from(personalAccessToken));
 */
export async function withUserContext<T>(
  userId: string,
  fn: (tx: Transaction) => Promise<T>,
  database: Database = db,
): Promise<T> {
  const user = requireId("userId", userId, "withUserContext");
  return database.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.user_id', ${user}, true)`);
    await tx.execute(sql`set local role authenticated`);
    return fn(tx);
  });
}
