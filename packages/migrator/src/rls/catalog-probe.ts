/**
 * Reads what Row-Level Security looks like in a live database: the tenant tables with their
 * RLS flags, every policy of the schema, the non-tenant tables the tenant role can read, and the
 * tenant role's own attributes. Pure reading; judging is `buildCoverageMatrix`'s job.
 */
import type { Driver } from "../drivers/driver.ts";
import { loadParser } from "../sql/parse-migration.ts";
import type { RlsConfig } from "./rls-config.ts";

/** A table that has the tenant column. */
export interface TenantTableInfo {
  table: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  owner: string;
}

/** One policy as `pg_policies` describes it; expressions are PostgreSQL's deparsed text. */
export interface PolicyInfo {
  table: string;
  name: string;
  permissive: boolean;
  /** Role names; `public` means every role. */
  roles: string[];
  /** `select`, `insert`, `update`, `delete` or `all`. */
  command: string;
  using: string | null;
  withCheck: string | null;
}

/** A table without the tenant column that the tenant role may SELECT from. */
export interface ReadableTableInfo {
  table: string;
  rlsEnabled: boolean;
  /** Policies on it, if any (for example a user-scoped table). */
  policies: string[];
}

/** The tenant role's attributes that would defeat RLS. */
export interface RoleInfo {
  name: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** `schema.table` of every relation it owns: an owner is not subject to RLS unless FORCEd. */
  ownedTables: string[];
}

/** Everything `buildCoverageMatrix` needs, read in one go. */
export interface RlsCatalog {
  config: RlsConfig;
  tenantTables: TenantTableInfo[];
  policies: PolicyInfo[];
  readableNonTenantTables: ReadableTableInfo[];
  role: RoleInfo;
}

/** Names of the tables in `config.schema` that have the tenant column, sorted. */
export async function catalogTenantTables(driver: Driver, config: RlsConfig): Promise<string[]> {
  const rows = await driver.query<{ table: string }>(
    `select c.relname as "table"
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a
                     where a.attrelid = c.oid and a.attname = $2 and a.attnum > 0 and not a.attisdropped)
      order by 1`,
    [config.schema, config.tenantColumn],
  );
  return rows.map((r) => r.table);
}

/** Reads the RLS state of `config.schema` for `config.role`. */
export async function probeRlsCatalog(driver: Driver, config: RlsConfig): Promise<RlsCatalog> {
  // The matrix reads policy expressions with PostgreSQL's parser.
  await loadParser();
  const tenantTables = await driver.query<TenantTableInfo>(
    `select c.relname as "table", c.relrowsecurity as "rlsEnabled", c.relforcerowsecurity as "rlsForced",
            pg_get_userbyid(c.relowner) as owner
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a
                     where a.attrelid = c.oid and a.attname = $2 and a.attnum > 0 and not a.attisdropped)
      order by 1`,
    [config.schema, config.tenantColumn],
  );
  const policies = await driver.query<PolicyInfo>(
    `select tablename as "table", policyname as name, permissive = 'PERMISSIVE' as permissive,
            roles::text[] as roles, lower(cmd) as command, qual as using, with_check as "withCheck"
       from pg_policies where schemaname = $1 order by tablename, policyname`,
    [config.schema],
  );
  const [roleRow] = await driver.query<{ superuser: boolean; bypassRls: boolean; ownedTables: string[] }>(
    `select r.rolsuper as superuser, r.rolbypassrls as "bypassRls",
            array(select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1)::text[] as "ownedTables"
       from pg_roles r where r.rolname = $1`,
    [config.role],
  );
  const role: RoleInfo = roleRow
    ? { name: config.role, exists: true, ...roleRow }
    : { name: config.role, exists: false, superuser: false, bypassRls: false, ownedTables: [] };
  const readableNonTenantTables = role.exists
    ? await driver.query<ReadableTableInfo>(
        `select c.relname as "table", c.relrowsecurity as "rlsEnabled",
                array(select p.polname from pg_policy p where p.polrelid = c.oid order by 1)::text[] as policies
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p')
            and not exists (select 1 from pg_attribute a
                             where a.attrelid = c.oid and a.attname = $2 and a.attnum > 0 and not a.attisdropped)
            and has_table_privilege($3, c.oid, 'SELECT')
          order by 1`,
        [config.schema, config.tenantColumn, config.role],
      )
    : [];
  return { config, tenantTables, policies, readableNonTenantTables, role };
}
