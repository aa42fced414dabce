/**
 * Test databases on a PostgreSQL server: a template database, migrated once, and a
 * `CREATE DATABASE … TEMPLATE` clone per test file. The template is built under an advisory lock,
 * under a temporary name renamed at the end, so workers that start together build it once and
 * never clone a half-built one.
 */
import { databaseUrl } from "../drivers/database-url.ts";
import type { Driver } from "../drivers/driver.ts";
import { openPostgresDriver } from "../drivers/postgres.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { TemplateBuildError } from "./template-build-error.ts";

/** A 60-bit advisory-lock key derived from the template name (same name, same key). */
function lockKey(name: string): string {
  let key = 0n;
  for (const char of name) key = (key * 131n + BigInt(char.codePointAt(0) ?? 0)) % (1n << 60n);
  return key.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (admin: Driver) => Promise<T>): Promise<T> {
  const admin = await openPostgresDriver(adminUrl, { applicationName: "test-template" });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** How long the shared admin session outlives its last use (then it closes, so a process can exit). */
const ADMIN_IDLE_MS = 1000;

interface SharedAdmin {
  session: Promise<Driver>;
  users: number;
  idle?: NodeJS.Timeout;
}

const sharedAdmins = new Map<string, SharedAdmin>();

function closeShared(adminUrl: string, shared: SharedAdmin): void {
  if (sharedAdmins.get(adminUrl) === shared) sharedAdmins.delete(adminUrl);
  shared.session.then((admin) => admin.close()).catch(() => undefined);
}

/**
 * Runs `fn` on this process's shared admin session for the server, opened on first use and closed
 * once idle for a second: a test file's clone and drop, or a benchmark's many clones, then cost one
 * connection instead of one each. Statements on it run one at a time (node-postgres queues them).
 * Not for the advisory lock: a session-level lock is re-entrant, so it must have its own session.
 */
async function withSharedAdmin<T>(adminUrl: string, fn: (admin: Driver) => Promise<T>): Promise<T> {
  let shared = sharedAdmins.get(adminUrl);
  if (!shared) {
    const session = openPostgresDriver(adminUrl, { applicationName: "test-template" }).then(async (admin) => {
      // Test databases need no durability: their CREATE/DROP/COMMENT commits need not wait for the disk.
      await admin.exec("SET synchronous_commit = off");
      return admin;
    });
    shared = { session, users: 0 };
    sharedAdmins.set(adminUrl, shared);
  }
  const current = shared;
  clearTimeout(current.idle);
  current.users++;
  try {
    return await fn(await current.session);
  } catch (error) {
    // A statement's error (SQLSTATE) leaves the session usable; anything else may have broken it.
    if (!/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code))) closeShared(adminUrl, current);
    throw error;
  } finally {
    current.users--;
    if (current.users === 0 && sharedAdmins.get(adminUrl) === current) {
      current.idle = setTimeout(() => closeShared(adminUrl, current), ADMIN_IDLE_MS);
    }
  }
}

async function databaseExists(admin: Driver, name: string): Promise<boolean> {
  const rows = await admin.query("select 1 from pg_database where datname = $1", [name]);
  return rows.length > 0;
}

/**
 * Makes sure the template database `name` exists, building it if not: creates an empty database
 * (a copy of `base` when given), runs `prepare(url)` on it (which must close its connections),
 * then renames it to `name` and marks it a template that accepts no connections (a connection
 * would block every clone).
 */
export async function ensureServerTemplate(
  adminUrl: string,
  name: string,
  prepare: (url: string) => Promise<void>,
  options: { prune?: { prefix: string; unusedForMs: number }; base?: string } = {},
): Promise<void> {
  const { prune, base } = options;
  await withAdmin(adminUrl, async (admin) => {
    if (await databaseExists(admin, name)) return;
    await admin.query("select pg_advisory_lock($1::bigint)", [lockKey(name)]);
    try {
      if (await databaseExists(admin, name)) return;
      const building = `${name.slice(0, 50)}_b${process.pid}`;
      await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`);
      await admin
        .exec(`CREATE DATABASE ${quoteIdent(building)}${base ? ` TEMPLATE ${quoteIdent(base)}` : ""}`)
        .catch((error: unknown) => {
          if (!base) throw error;
          throw new TemplateBuildError(
            name,
            "postgres",
            `could not copy the base database ${base}: ${error instanceof Error ? error.message : String(error)}`,
            `create ${base} as an admin, with the extensions the schema needs, and make the test role its owner (or mark it IS_TEMPLATE); no other session may be connected to it`,
          );
        });
      try {
        await prepare(databaseUrl(adminUrl, building));
      } catch (error) {
        await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`).catch(() => undefined);
        throw new TemplateBuildError(name, "postgres", error instanceof Error ? error.message : String(error));
      }
      await admin.exec(`ALTER DATABASE ${quoteIdent(building)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      await admin.exec(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`);
      await markUsed(admin, name);
      if (prune) await pruneServerTemplates(admin, prune.prefix, prune.unusedForMs);
    } finally {
      await admin.query("select pg_advisory_unlock($1::bigint)", [lockKey(name)]);
    }
  });
}

const LAST_USED = "test template, last used ";

/** Records when a template was last built or cloned, in its comment (pruning reads it). */
async function markUsed(admin: Driver, template: string): Promise<void> {
  const comment = `${LAST_USED}${new Date().toISOString()}`.replaceAll("'", "''");
  await admin.exec(`COMMENT ON DATABASE ${quoteIdent(template)} IS '${comment}'`);
}

/**
 * Drops the templates named `prefix…` not used for `unusedForMs` (an older migration history's,
 * or another branch's): run after building a new one, so old templates do not pile up.
 */
async function pruneServerTemplates(admin: Driver, prefix: string, unusedForMs: number): Promise<void> {
  const rows = await admin.query<{ name: string; comment: string | null }>(
    `select datname as name, shobj_description(oid, 'pg_database') as comment
       from pg_database where datistemplate and starts_with(datname, $1)`,
    [prefix],
  );
  for (const { name, comment } of rows) {
    const lastUsed = comment?.startsWith(LAST_USED) ? Date.parse(comment.slice(LAST_USED.length)) : Number.NaN;
    if (Date.now() - (Number.isNaN(lastUsed) ? 0 : lastUsed) < unusedForMs) continue;
    await admin.exec(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`).catch(() => undefined);
    await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
  }
}

/** Templates this process has marked used already (once per process is enough for pruning). */
const markedUsed = new Set<string>();

/** Creates `clone` as a copy of the template (schema, data, bookkeeping tables: everything). */
export async function cloneServerDatabase(adminUrl: string, template: string, clone: string): Promise<string> {
  await withSharedAdmin(adminUrl, async (admin) => {
    await admin.exec(`CREATE DATABASE ${quoteIdent(clone)} TEMPLATE ${quoteIdent(template)}`);
    if (!markedUsed.has(`${adminUrl} ${template}`)) {
      await markUsed(admin, template);
      markedUsed.add(`${adminUrl} ${template}`);
    }
  });
  return databaseUrl(adminUrl, clone);
}

/** Drops a database, ending any session still connected to it. */
export async function dropServerDatabase(adminUrl: string, name: string): Promise<void> {
  await withSharedAdmin(adminUrl, (admin) => admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Drops a template database (for tests and benchmarks; a template is otherwise kept across runs). */
export async function dropServerTemplate(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    if (!(await databaseExists(admin, name))) return;
    await admin.exec(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`);
    await admin.exec(`DROP DATABASE ${quoteIdent(name)}`);
  });
}
