/**
 * The production marker: a database-level setting that says which environment a database
 * belongs to, so a seed run refuses demo data there even when `NODE_ENV` is wrong or unset.
 *
 * Set it once, as the database owner or a superuser:
 *   ALTER DATABASE app SET app.environment = 'production';
 * Remove it with `ALTER DATABASE app RESET app.environment;`.
 */

/** The custom setting that holds the marker. */
export const DATABASE_ENVIRONMENT_SETTING = "app.environment";

/**
 * Reads the marker. `ALTER DATABASE … SET` only reaches sessions opened afterwards, so the query
 * reads both the session's value (`current_setting`, which also sees `ALTER ROLE … SET` and
 * `PGOPTIONS`) and the stored database/role defaults in `pg_db_role_setting`.
 */
const READ_DATABASE_ENVIRONMENT_SQL = `select coalesce(
  nullif(current_setting('${DATABASE_ENVIRONMENT_SETTING}', true), ''),
  (select substr(config, length('${DATABASE_ENVIRONMENT_SETTING}=') + 1)
     from pg_db_role_setting s, unnest(s.setconfig) as config
    where config like '${DATABASE_ENVIRONMENT_SETTING}=%'
      and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      and s.setrole in (0, (select oid from pg_roles where rolname = current_user))
    order by s.setdatabase desc, s.setrole desc
    limit 1)
) as environment`;

/** Runs one SQL statement and returns its rows: whatever client the caller has. */
export type SqlRows = (sql: string) => Promise<readonly Record<string, unknown>[]>;

/** The environment the database is marked as (`production`, `staging`, …), or null when unmarked. */
export async function readDatabaseEnvironment(query: SqlRows): Promise<string | null> {
  const [row] = await query(READ_DATABASE_ENVIRONMENT_SQL);
  const value = row?.["environment"];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * The statement that marks a database. Identifier and value are quoted, so any name is safe.
 *
 * @example markDatabaseEnvironmentSql("app", "production")
 * // ALTER DATABASE "app" SET app.environment = 'production'
 */
export function markDatabaseEnvironmentSql(databaseName: string, environment: string): string {
  const name = `"${databaseName.replaceAll('"', '""')}"`;
  const value = `'${environment.replaceAll("'", "''")}'`;
  return `ALTER DATABASE ${name} SET ${DATABASE_ENVIRONMENT_SETTING} = ${value}`;
}
