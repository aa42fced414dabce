/**
 * The database client. `db` and `createDatabase` hand out the bare connection: it connects as the
 * migration owner, which bypasses Row-Level Security, so both are importable only from
 * `@repo/db/client`, and ESLint allows that import only in the migration runner, seeds, auth
 * bootstrap and tests. Application code uses `withTenantContext` (a member acting in an
 * organization), `withUserContext` (a signed-in user outside any organization) or `withTenantJob`
 * (background work for an organization, no user), from `@repo/db`.
 *
 * Every context is one transaction on a connection leased for the call:
 * - it runs as `authenticated` with the tenant and user set for that transaction only, and names
 *   resolved in `pg_catalog`, `public`, `pg_temp` alone (`CONTEXT_SEARCH_PATH`), whatever path the
 *   connection brought;
 * - `withTenantContext` checks, inside that transaction and before `fn` runs, that the user is a
 *   member of the organization (`TenantMembershipError` otherwise);
 * - nesting is refused (`NestedContextError`): a context inside a context would either leave the
 *   outer transaction running as the inner tenant or wait for a second connection of the pool;
 * - session state `fn` created (a plain `SET`, `SET ROLE`, temporary tables, cursors held past
 *   COMMIT, LISTEN, session advisory locks) is discarded inside the same transaction before it
 *   commits (or rolls back, while it takes statements), so the connection goes back to the pool,
 *   or the pooler's next client, as it came;
 * - once `fn` returns or throws, the `tx` it got (and any query built on it, in a timer, a kept
 *   promise or a helper not awaited) throws `ContextClosedError` instead of running as the owner
 *   (after the call reset the role, before it commits) or as the next request;
 * - a connection that does not come free within the pool's acquire timeout fails with
 *   `PoolTimeoutError`, never waits forever;
 * - a database that is not `createDatabase`'s (a pg.Pool or PGlite) is refused: nothing else has
 *   a lease to guard.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { PGlite } from "@electric-sql/pglite";
import { is, sql } from "drizzle-orm";
import { type PgDatabase, type PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { errorMessage, lockPgliteFolder, quoteIdent } from "@repo/migrator";
import { type Connection, connectionFromEnv, pgliteExtensions } from "./connection.ts";
import * as schema from "./schema/index.ts";
import { member, organization, user } from "./schema/index.ts";

/** A Drizzle database over Trovella's schema, on either engine. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** The transaction handle a context passes to its callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** A database handle and the function that releases its connections. */
export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

/** The pool's size and how long a caller waits for a free connection. */
export interface PoolOptions {
  /** Connections in the pool (default 5). */
  max?: number;
  /**
   * Milliseconds to wait for a free connection (or a new one) before failing with a clear error;
   * default `DATABASE_POOL_ACQUIRE_TIMEOUT_MS` or 10000.
   */
  acquireTimeoutMs?: number;
}

const DEFAULT_POOL_MAX = 5;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

function acquireTimeout(options: PoolOptions): number {
  const fromEnv = Number(process.env["DATABASE_POOL_ACQUIRE_TIMEOUT_MS"]);
  if (options.acquireTimeoutMs !== undefined) return options.acquireTimeoutMs;
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_ACQUIRE_TIMEOUT_MS;
}

/**
 * Opens a Drizzle database on a connection: a `pg.Pool` (max 5, acquire timeout 10 s) on a
 * server, or the embedded PGlite database (its folder locked against other processes until
 * `close`, unless a PGlite instance is passed in: its opener holds the lock). The handle is the bare owner connection (RLS does not
 * apply): tools and tests only; ESLint refuses this import in application code.
 */
export function createDatabase(
  connection: Connection,
  options: { pglite?: PGlite } & PoolOptions = {},
): DatabaseHandle {
  if (connection.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: connection.url,
      max: options.max ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: acquireTimeout(options),
    });
    // A client whose server ends its session emits 'error': the pool listens only while the client
    // is idle, so one checked out (a transaction, the seed's lock holder) needs its own listener or
    // Node crashes. Its query fails all the same, and the caller sees that error.
    pool.on("error", () => undefined);
    pool.on("connect", (client) => client.on("error", () => undefined));
    return { db: drizzlePg(pool, { schema }) as unknown as Database, close: () => pool.end() };
  }
  if (options.pglite) {
    return { db: drizzlePglite(options.pglite, { schema }) as unknown as Database, close: async () => undefined };
  }
  // A folder it opens itself is locked first, as openPglite does: two processes writing one
  // folder corrupt it, so the second gets "open in another process (pid N)" (exit 5).
  const lock = lockPgliteFolder(connection.dataDir);
  const client = new PGlite(connection.dataDir, { extensions: pgliteExtensions });
  return {
    db: drizzlePglite(client, { schema }) as unknown as Database,
    close: async () => {
      try {
        await client.close();
      } finally {
        lock.release();
      }
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
    return { ok: false, error: errorMessage(error) };
  }
}

/** Why a context refused to run or stopped; `code` says which case, for callers that branch on it. */
export type TenantContextErrorCode =
  | "invalid-id"
  | "not-a-member"
  | "unknown-user"
  | "unknown-tenant"
  | "nested-context"
  | "context-closed"
  | "pool-timeout"
  | "unsupported-database"
  | "unsupported-query"
  | "aborted-transaction";

/** Refused or broken tenant/user context. Subclasses name each case. */
export class TenantContextError extends Error {
  override name = "TenantContextError";
  constructor(
    message: string,
    readonly code: TenantContextErrorCode = "invalid-id",
  ) {
    super(message);
  }
}

/** `withTenantContext(org, user)` for a user who is not a member of `org` (or does not exist). */
export class TenantMembershipError extends TenantContextError {
  override name = "TenantMembershipError";
  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {
    super(
      `withTenantContext: user ${JSON.stringify(userId)} is not a member of organization ${JSON.stringify(tenantId)} ` +
        "(or one of them does not exist); nothing ran. Take the organization from the user's session, or use withTenantJob for work that acts without a user.",
      "not-a-member",
    );
  }
}

/** A context that names a user or organization the database does not have. */
export class UnknownContextSubjectError extends TenantContextError {
  override name = "UnknownContextSubjectError";
  constructor(caller: string, kind: "user" | "organization", id: string) {
    super(
      `${caller}: there is no ${kind} ${JSON.stringify(id)}; nothing ran.`,
      kind === "user" ? "unknown-user" : "unknown-tenant",
    );
  }
}

/** A context opened while another is running in the same async call chain. */
export class NestedContextError extends TenantContextError {
  override name = "NestedContextError";
  constructor(caller: string, outer: string) {
    super(
      `${caller} was called inside ${outer}: contexts do not nest. The inner call would either leave the outer ` +
        "transaction running as the inner tenant or wait for a second pooled connection while holding the first. " +
        "Use the tx you were given for more work in the same tenant; for another tenant, return first and open a new context.",
      "nested-context",
    );
  }
}

/** The `tx` of a context (or a query built on it) used after its `fn` returned or threw. */
export class ContextClosedError extends TenantContextError {
  override name = "ContextClosedError";
  constructor(caller: string) {
    super(
      `${caller}: this tx belongs to a call whose fn has returned or thrown; its transaction is ending or over and ` +
        "its connection goes back to the pool. Await every query inside fn (a helper called without await too); " +
        "start later work (timers, queues) with a new context.",
      "context-closed",
    );
  }
}

/**
 * A driver call inside a context that is not SQL text with its values: node-postgres hands a
 * "submittable" (`pg.Query`, a cursor, any object with `submit`) the raw protocol connection, from
 * which code could read the next context's rows or send SQL as the owner.
 */
export class UnsupportedQueryError extends TenantContextError {
  override name = "UnsupportedQueryError";
  constructor(caller: string, what: string) {
    super(
      `${caller}: the tx's connection takes SQL text (a string, or { text, values }) and its values, not ${what}; ` +
        "nothing was sent. Run queries through the tx (tx.select(), tx.execute(sql`…`)).",
      "unsupported-query",
    );
  }
}

/**
 * `fn` went on after a statement PostgreSQL refused (it caught the error): the transaction takes
 * no more statements, so nothing of it can be kept.
 */
export class AbortedTransactionError extends TenantContextError {
  override name = "AbortedTransactionError";
  constructor(caller: string, cause: unknown) {
    super(
      `${caller}: a statement of fn failed and fn went on (it caught the error), so its transaction was aborted: ` +
        "it is rolled back and nothing of it is kept. Let the error through, or run a step that may fail in tx.transaction(…) (a savepoint).",
      "aborted-transaction",
    );
    this.cause = cause;
  }
}

/** No connection came free within the pool's acquire timeout. */
export class PoolTimeoutError extends TenantContextError {
  override name = "PoolTimeoutError";
  constructor(caller: string, max: number, timeoutMs: number) {
    super(
      `${caller}: no database connection came free within ${timeoutMs} ms (pool of ${max}, all busy). ` +
        "Too many concurrent requests for the pool, or calls holding a connection while waiting for another; " +
        "raise the pool size (createDatabase max) or DATABASE_POOL_ACQUIRE_TIMEOUT_MS only after ruling out the latter.",
      "pool-timeout",
    );
  }
}

function requireId(name: string, value: unknown, caller: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TenantContextError(`${caller}: ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A running context: which call opened it, and where it is. `open` while `fn` runs; `ending` once
 * `fn` has returned or thrown, while the call itself discards session state and commits or rolls
 * back (only its own statements go through then: a query a helper of `fn` sends now, not awaited,
 * would run after the role and settings were reset, as the owner); `done` once the connection is
 * released.
 */
interface ContextState {
  caller: string;
  phase: "open" | "ending" | "done";
  /** The session user the connection logged in as, read when the context began. */
  login?: string;
  /** The statements the call itself may send while `ending`. */
  ending: ReadonlySet<string>;
}

/**
 * The `search_path` of every context's transaction, set with its other settings: PostgreSQL's own
 * catalog first, then `public`, which holds all of Trovella's tables and the `vector` extension
 * (its types, functions and operators), temporary tables last (`drizzle`'s bookkeeping is not
 * read by app code). Whatever path the connection brings (a database or role default, the
 * server's `"$user"`, a session `SET`) then cannot put another schema's object in the place of
 * `member`, a tenant table, a function or an operator: not a schema named `authenticated`, not a
 * temporary table of the connection.
 */
const CONTEXT_SEARCH_PATH = "pg_catalog, public, pg_temp";

/**
 * Session state `fn` may have created, discarded inside the transaction before it commits, so it
 * never reaches the next user of the connection (with a transaction-mode pooler, the next
 * transaction on that server connection may be anyone's). `RESET ALL` leaves the session user
 * (which a superuser login can change) and the role alone: the session user is set back to the
 * login by name (on PGlite `SET SESSION AUTHORIZATION DEFAULT`, and even a rollback, leave it as
 * `fn` set it; `DEFAULT` when the login is not known yet), and `RESET ROLE` comes last.
 * `DISCARD TEMP` drops temporary tables, which would otherwise outlive the request: the next
 * tenant on the connection could read them (as `pg_temp.<name>`), and outside a context they
 * shadow the real tables of the same name.
 */
function discardStatements(login: string | undefined): string[] {
  return [
    "close all",
    "unlisten *",
    // Qualified, as fn may have set any search_path.
    "select pg_catalog.pg_advisory_unlock_all()",
    "discard temp",
    `set session authorization ${login === undefined ? "default" : quoteIdent(login)}`,
    "reset all",
    "reset role",
  ];
}

/** PostgreSQL's SQLSTATE for a statement sent in a transaction a refused statement aborted. */
const IN_FAILED_TRANSACTION = "25P02";

/** The savepoint `fn` runs after on PGlite (see runContext). */
const FN_SAVEPOINT = "savepoint tenant_context_fn";

/** What the call itself sends once `fn` is over: the discards (one by one, or in one round trip) and the end of the transaction. */
function endingStatements(discards: readonly string[]): ReadonlySet<string> {
  return new Set([...discards, discards.join("; "), `rollback to ${FN_SAVEPOINT}`, "commit", "rollback"]);
}

/** The SQL text of a driver `query(...)` call: a string, or a config object's `text`. */
function queryText(args: readonly unknown[]): string | undefined {
  const [first] = args;
  if (typeof first === "string") return first;
  const text = (first as { text?: unknown } | undefined)?.text;
  return typeof text === "string" ? text : undefined;
}

/** Throws `ContextClosedError` unless the context lets this statement through now. */
function admit(state: ContextState, args: readonly unknown[]): void {
  if (state.phase === "open") return;
  const text = queryText(args);
  if (state.phase === "ending" && text !== undefined && state.ending.has(text)) return;
  throw new ContextClosedError(state.caller);
}

const running = new AsyncLocalStorage<ContextState>();

/** A pg client whose queries fail once the context that leased it is over. */
class LeasedClient {
  // Private to JavaScript, not only to TypeScript: nothing reachable from a tx leads to the raw connection.
  readonly #client: pg.PoolClient;
  readonly #state: ContextState;
  constructor(client: pg.PoolClient, state: ContextState) {
    this.#client = client;
    this.#state = state;
  }
  query(...args: unknown[]): unknown {
    const [config, values] = plainQuery(this.#state.caller, args);
    admit(this.#state, [config]);
    return this.#client.query(config, values);
  }
}

/**
 * A driver call rebuilt from plain values, read once each (a getter cannot answer differently
 * later): the SQL text, its values, and of Drizzle's query config the statement name, row mode and
 * type parsers. Anything else, a submittable first of all, is refused: node-postgres would hand it
 * the raw connection. A callback is refused too; Drizzle awaits the promise.
 */
function plainQuery(caller: string, args: readonly unknown[]): [pg.QueryConfig, unknown[] | undefined] {
  const [first, second, ...rest] = args;
  const values = (candidate: unknown): unknown[] | undefined => {
    if (candidate === undefined || Array.isArray(candidate))
      return candidate === undefined ? undefined : [...candidate];
    throw new UnsupportedQueryError(caller, `values of type ${typeof candidate}`);
  };
  if (rest.length > 0) throw new UnsupportedQueryError(caller, "more than SQL text and its values");
  if (typeof first === "string") return [{ text: first }, values(second)];
  if (typeof first !== "object" || first === null || Object.getPrototypeOf(first) !== Object.prototype)
    throw new UnsupportedQueryError(caller, first === null ? "null" : `a ${describe(first)}`);
  const { text, values: own, name, rowMode, types, ...other } = first as Record<string, unknown>;
  const unknown = Object.keys(other);
  if (unknown.length > 0) throw new UnsupportedQueryError(caller, `a query config with ${unknown.join(", ")}`);
  if (typeof text !== "string") throw new UnsupportedQueryError(caller, "a query config without SQL text");
  if (name !== undefined && typeof name !== "string") throw new UnsupportedQueryError(caller, "a non-text name");
  if (rowMode !== undefined && rowMode !== "array")
    throw new UnsupportedQueryError(caller, `row mode ${String(rowMode)}`);
  const parser = (types as { getTypeParser?: unknown } | undefined)?.getTypeParser;
  if (types !== undefined && typeof parser !== "function")
    throw new UnsupportedQueryError(caller, "types without getTypeParser");
  const config: pg.QueryConfig = {
    text,
    ...(name === undefined ? {} : { name }),
    ...(rowMode === undefined ? {} : { rowMode }),
    ...(typeof parser === "function"
      ? { types: { getTypeParser: parser as NonNullable<pg.QueryConfig["types"]>["getTypeParser"] } }
      : {}),
  } as pg.QueryConfig;
  return [config, values(second ?? own)];
}

/** What a value is, for a message: its class name, or its type. */
function describe(value: unknown): string {
  const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof value === "function"
    ? "function"
    : typeof constructorName === "string"
      ? `${constructorName} object`
      : typeof value;
}

/** The part of PGlite's API Drizzle's PGlite session uses: `query`, and `transaction` for a new one. */
interface PgliteQueryable {
  query(...args: unknown[]): Promise<unknown>;
}

/**
 * A PGlite database whose transactions hand Drizzle a transaction object that fails once the
 * context is over (PGlite's own would say "Transaction is closed"; this says which call and why).
 */
function leasedPglite(pglite: PGlite, state: ContextState) {
  return {
    query: (): never => {
      throw new ContextClosedError(state.caller);
    },
    transaction: <R>(callback: (tx: PgliteQueryable) => Promise<R>): Promise<R> =>
      pglite.transaction((tx) =>
        callback({
          query: (...args: unknown[]) => {
            admit(state, args);
            return (tx.query as (...a: unknown[]) => Promise<unknown>)(...args);
          },
        }),
      ),
  };
}

/**
 * The `tx` handed to `fn`: the real transaction until the call returns, then a handle whose every
 * use throws. (Queries built inside `fn` and run later fail at the connection lease, below.)
 */
function guardedTransaction(tx: Transaction, state: ContextState): Transaction {
  return new Proxy(tx, {
    get(target, key) {
      if (state.phase !== "open") throw new ContextClosedError(state.caller);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** What a context sets up in its transaction before `fn` runs. */
interface ContextSetup {
  caller: string;
  /** `app.*` settings for this transaction (runContext adds `search_path`). */
  settings: Record<string, string>;
  /** Runs as `authenticated` after the settings; throws to refuse the context. */
  check(tx: Transaction): Promise<void>;
}

async function runContext<T>(setup: ContextSetup, fn: (tx: Transaction) => Promise<T>, database: Database): Promise<T> {
  const outer = running.getStore();
  if (outer?.phase === "open") throw new NestedContextError(setup.caller, outer.caller);
  const state: ContextState = {
    caller: setup.caller,
    phase: "open",
    ending: endingStatements(discardStatements(undefined)),
  };
  const client = (database as unknown as { $client?: unknown }).$client;
  const onPool = client instanceof pg.Pool;
  const body = async (tx: Transaction): Promise<T> => {
    // One round trip, every name qualified: this statement is parsed under the path the
    // connection brought; the membership check and everything after it, under CONTEXT_SEARCH_PATH.
    const assignments = Object.entries({ ...setup.settings, search_path: CONTEXT_SEARCH_PATH }).map(
      ([name, value]) => sql`pg_catalog.set_config(${name}, ${value}, true)`,
    );
    const started = await tx.execute(
      sql`select session_user::pg_catalog.text as login, ${sql.join(assignments, sql`, `)}, pg_catalog.set_config('role', 'authenticated', true)`,
    );
    state.login = (started as unknown as { rows: { login: string }[] }).rows[0]?.login;
    const discards = discardStatements(state.login);
    state.ending = endingStatements(discards);
    await setup.check(tx);
    // node-postgres sends a parameterless statement as one simple query, several statements in
    // one round trip; PGlite's extended protocol takes one at a time (in process, cheap).
    const discard = async () => {
      if (onPool) await tx.execute(sql.raw(discards.join("; ")));
      else for (const statement of discards) await tx.execute(sql.raw(statement));
    };
    // PGlite is the whole app's one connection, with no discard after a rollback (another call
    // may take it first), and a rollback there keeps a SET SESSION AUTHORIZATION: fn runs after
    // a savepoint, so after a refused statement the discards still run inside this transaction.
    if (!onPool) await tx.execute(sql.raw(FN_SAVEPOINT));
    let result: T;
    try {
      result = await fn(guardedTransaction(tx, state));
    } catch (error) {
      state.phase = "ending";
      // Discarded inside the transaction while it still takes statements (fn threw; PostgreSQL
      // refused nothing): behind a transaction-mode pooler, what is sent after the rollback may
      // reach another server connection than the one holding fn's session locks. After a refused
      // statement this fails on a server, and the discard after the rollback
      // (runOnLeasedConnection) is all; on PGlite the transaction goes back to the savepoint first.
      if (!onPool) await tx.execute(sql.raw(`rollback to ${FN_SAVEPOINT}`)).catch(() => undefined);
      await discard().catch(() => undefined);
      throw error;
    }
    state.phase = "ending";
    try {
      await discard();
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      if ((cause as { code?: unknown }).code !== IN_FAILED_TRANSACTION) throw error;
      // As when fn throws: on PGlite back to the savepoint, so the discards run in this transaction.
      if (!onPool) {
        await tx.execute(sql.raw(`rollback to ${FN_SAVEPOINT}`)).catch(() => undefined);
        await discard().catch(() => undefined);
      }
      throw new AbortedTransactionError(setup.caller, cause);
    }
    return result;
  };
  try {
    return await running.run(state, async () => {
      if (is(database, PgTransaction)) {
        throw new NestedContextError(setup.caller, "a transaction passed as its database");
      }
      if (client instanceof pg.Pool) return runOnLeasedConnection(client, state, body);
      if (client instanceof PGlite) {
        const leased = drizzlePglite(leasedPglite(client, state) as unknown as PGlite, { schema });
        return (leased as unknown as Database).transaction(body);
      }
      // Anything else (Drizzle over one pg.Client, another driver) has no lease to guard: a query
      // sent after fn returned would run as the owner.
      throw new TenantContextError(
        `${setup.caller}: the database must come from createDatabase (a pg.Pool or PGlite); ` +
          "a Drizzle database over anything else cannot be guarded against queries sent after fn returns",
        "unsupported-database",
      );
    });
  } finally {
    state.phase = "done";
  }
}

/** Drizzle over a leased pg client, per pool (its schema tables are built once). */
async function runOnLeasedConnection<T>(
  pool: pg.Pool,
  state: ContextState,
  body: (tx: Transaction) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
      const options = pool.options as { max?: number; connectionTimeoutMillis?: number };
      throw new PoolTimeoutError(state.caller, options.max ?? DEFAULT_POOL_MAX, options.connectionTimeoutMillis ?? 0);
    }
    throw error;
  }
  let broken: Error | undefined;
  try {
    const leased = drizzlePg(new LeasedClient(client, state) as unknown as pg.PoolClient, { schema });
    return await (leased as unknown as Database).transaction(body);
  } catch (error) {
    // After a rollback, session state fn created inside the transaction is gone with it, except
    // session advisory locks: discard everything on the connection too, or drop the connection.
    try {
      await client.query(discardStatements(state.login).join("; "));
    } catch (cleanup) {
      broken = cleanup instanceof Error ? cleanup : new Error(String(cleanup));
    }
    throw error;
  } finally {
    state.phase = "done";
    client.release(broken);
  }
}

/**
 * Runs `fn` in one transaction as a member of an organization: sets `app.tenant_id` and
 * `app.user_id` for this transaction only, pins its `search_path` and switches to the
 * `authenticated` role, so every statement in `fn` is subject to the RLS policies; first checks,
 * in the same transaction, that the user is a member of the organization (one indexed lookup on
 * `member`), or throws `TenantMembershipError` before `fn` runs. See the file comment for the
 * search path, nesting, kept `tx`, session state and pool timeouts.
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
  const caller = "withTenantContext";
  const tenant = requireId("tenantId", tenantId, caller);
  const userIdValue = requireId("userId", userId, caller);
  return runContext(
    {
      caller,
      settings: { "app.tenant_id": tenant, "app.user_id": userIdValue, "app.job": "" },
      async check(tx) {
        const found = await tx
          .select({ one: sql<number>`1` })
          .from(member)
          .where(sql`${member.organizationId} = ${tenant} and ${member.userId} = ${userIdValue}`)
          .limit(1);
        if (found.length === 0) throw new TenantMembershipError(tenant, userIdValue);
      },
    },
    fn,
    database,
  );
}

/**
 * Runs `fn` in one transaction as a user outside any tenant: sets `app.user_id`, and the tenant
 * to empty (so tenant tables show nothing, whatever the connection had) and switches to `authenticated`, so user-scoped policies such as
 * `personal_access_token`'s apply. Throws `UnknownContextSubjectError` (code `unknown-user`) when
 * there is no such user. Like `withTenantContext`, everything ends with the transaction.
 *
 * @example
 * const tokens = await withUserContext(userId, (tx) => tx.select().from(personalAccessToken));
 */
export async function withUserContext<T>(
  userId: string,
  fn: (tx: Transaction) => Promise<T>,
  database: Database = db,
): Promise<T> {
  const caller = "withUserContext";
  const userIdValue = requireId("userId", userId, caller);
  return runContext(
    {
      caller,
      // Every app.* setting, the empty ones too: a value left on the connection (a session SET
      // outside any context, a pooler's other client) must not show through.
      settings: { "app.tenant_id": "", "app.user_id": userIdValue, "app.job": "" },
      async check(tx) {
        const found = await tx
          .select({ one: sql<number>`1` })
          .from(user)
          .where(sql`${user.id} = ${userIdValue}`);
        if (found.length === 0) throw new UnknownContextSubjectError(caller, "user", userIdValue);
      },
    },
    fn,
    database,
  );
}

/**
 * The one entry point for background work that acts for an organization without a user (billing
 * roll-ups, imports, scheduled research steps): like `withTenantContext`, but with no user (so
 * `app.user_id` is empty and user-scoped rows stay hidden) and `app.job` set to `job`, which names
 * the work in `pg_stat_activity`-style diagnostics and audit triggers. Throws
 * `UnknownContextSubjectError` (code `unknown-tenant`) when the organization does not exist.
 * Never call it with an organization taken from a request: a request has a user, and
 * `withTenantContext` checks that user's membership.
 *
 * @example
 * await withTenantJob(orgId, "nightly-usage-rollup", (tx) => tx.select().from(aiUsage));
 */
export async function withTenantJob<T>(
  tenantId: string,
  job: string,
  fn: (tx: Transaction) => Promise<T>,
  database: Database = db,
): Promise<T> {
  const caller = "withTenantJob";
  const tenant = requireId("tenantId", tenantId, caller);
  const jobName = requireId("job", job, caller);
  return runContext(
    {
      caller,
      settings: { "app.tenant_id": tenant, "app.user_id": "", "app.job": jobName },
      async check(tx) {
        const found = await tx
          .select({ one: sql<number>`1` })
          .from(organization)
          .where(sql`${organization.id} = ${tenant}`);
        if (found.length === 0) throw new UnknownContextSubjectError(caller, "organization", tenant);
      },
    },
    fn,
    database,
  );
}
