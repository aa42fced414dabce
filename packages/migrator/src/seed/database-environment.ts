/**
 * The production marker: a database-level setting that says which environment a database
 * belongs to, so a seed run refuses demo data there even when `NODE_ENV` is wrong or unset.
 *
 * Set it once, as the database owner or a superuser:
 *   ALTER DATABASE app SET app.environment = 'production';
 * Remove it with `ALTER DATABASE app RESET app.environment;`. A marker in the server's
 * configuration (postgresql.conf, `ALTER SYSTEM`) counts too, where the session may read it.
 */

import { databaseCause, databaseErrorFields, INSUFFICIENT_PRIVILEGE } from "../drivers/driver.ts";
import { quoteIdent, quoteLiteral } from "../sql/quote-ident.ts";
import { seedEnvironmentNamed } from "./seed-tier.ts";

/** The custom setting that holds the marker. */
export const DATABASE_ENVIRONMENT_SETTING = "app.environment";

/**
 * Reads the marker from every place it can be set, one row each: the session's value
 * (`current_setting`, which `PGOPTIONS`, `?options=-c …` in the URL, `ALTER ROLE … SET` and a
 * plain `SET` can all change), and the stored defaults in `pg_db_role_setting` for this database,
 * the login role and the current role in this database and everywhere, and every database
 * (`ALTER DATABASE … SET` only reaches sessions opened afterwards, and a session setting hides it).
 * Both roles: `-c role=…` in the URL switches `current_user` away from the login role whose
 * marker applied at login. Setting names are case-insensitive in PostgreSQL, but a name written
 * quoted (`"App.Environment"`) is stored as written: the name is compared lower-cased.
 */
const READ_DATABASE_ENVIRONMENT_SQL = `select 'session' as source, nullif(current_setting('${DATABASE_ENVIRONMENT_SETTING}', true), '') as environment
union all
select case when s.setdatabase <> 0 and s.setrole <> 0 then 'role in database'
            when s.setdatabase <> 0 then 'database'
            when s.setrole <> 0 then 'role'
            else 'every database' end,
       substr(config, strpos(config, '=') + 1)
  from pg_db_role_setting s, unnest(s.setconfig) as config
 where lower(split_part(config, '=', 1)) = '${DATABASE_ENVIRONMENT_SETTING}'
   and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
   and s.setrole in (0, (select oid from pg_roles where rolname = session_user),
                        (select oid from pg_roles where rolname = current_user))`;

/**
 * The marker in the server's configuration files (postgresql.conf, `ALTER SYSTEM`'s
 * postgresql.auto.conf), which a client's `-c app.environment=…` hides from `current_setting`.
 * `pg_file_settings` is readable by superusers and members of `pg_read_all_settings` only.
 */
const READ_CONFIGURED_ENVIRONMENT_SQL = `select 'server configuration' as source, setting as environment
  from pg_file_settings where lower(name) = '${DATABASE_ENVIRONMENT_SETTING}' and applied is not false`;

/** Runs one SQL statement and returns its rows: whatever client the caller has. */
export type SqlRows = (sql: string) => Promise<readonly Record<string, unknown>[]>;

/**
 * The environment the database is marked as (`production`, `staging`, …), or null when unmarked.
 * Production wins: if any source says `production` (in any case, or `prod`), the answer is `production`, whatever the
 * session says; otherwise a stored marker (database or role) before the session's value.
 */
export async function readDatabaseEnvironment(query: SqlRows): Promise<string | null> {
  // Only a role that may not read the configuration files goes without them; any other failure is one.
  const configured = await query(READ_CONFIGURED_ENVIRONMENT_SQL).catch((error: unknown) => {
    if (databaseErrorFields(databaseCause(error)).code !== INSUFFICIENT_PRIVILEGE) throw error;
    return [];
  });
  const rows = [...(await query(READ_DATABASE_ENVIRONMENT_SQL)), ...configured];
  const values = rows
    .map((row) => ({ source: String(row["source"]), value: row["environment"] }))
    .filter((row): row is { source: string; value: string } => typeof row.value === "string" && row.value.trim() !== "")
    .map((row) => ({ ...row, value: row.value.trim() }));
  if (values.some((row) => seedEnvironmentNamed(row.value) === "production")) return "production";
  return (values.find((row) => row.source !== "session") ?? values[0])?.value ?? null;
}

/**
 * The statement that marks a database. Identifier and value are quoted, so any name is safe.
 *
 * @example markDatabaseEnvironmentSql("app", "production")
 * // ALTER DATABASE "app" SET app.environment = 'production'
 */
export function markDatabaseEnvironmentSql(databaseName: string, environment: string): string {
  return `ALTER DATABASE ${quoteIdent(databaseName)} SET ${DATABASE_ENVIRONMENT_SETTING} = ${quoteLiteral(environment)}`;
}
