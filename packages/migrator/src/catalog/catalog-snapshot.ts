/**
 * A comparable picture of a database's schema, read from the PostgreSQL catalog: tables (with
 * row-level security flags), columns, indexes, constraints, policies, enum types, functions and
 * procedures, triggers, views, sequences and extensions of the user schemas (objects an extension
 * owns are left out). Two databases migrated to the same state have equal snapshots on the same
 * engine; `diffCatalogs` names what differs. Migration bookkeeping (schema `drizzle`) is left out.
 */
import type { Driver } from "../drivers/driver.ts";

/** One sorted list of descriptions per kind of object. */
export interface CatalogSnapshot {
  tables: string[];
  columns: string[];
  indexes: string[];
  constraints: string[];
  policies: string[];
  types: string[];
  routines: string[];
  triggers: string[];
  views: string[];
  sequences: string[];
  extensions: string[];
}

/** Objects only in one of two snapshots, per kind. */
export type CatalogDiff = { [K in keyof CatalogSnapshot]: { onlyInFirst: string[]; onlyInSecond: string[] } };

const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'drizzle') and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;

/** The object is not a member of an extension (`vector`'s functions are the extension's, not the schema's). */
const NOT_FROM_EXTENSION = (oid: string, catalog: string) =>
  `not exists (select 1 from pg_depend dep where dep.objid = ${oid} and dep.classid = '${catalog}'::regclass and dep.deptype = 'e')`;

const QUERIES: Record<keyof CatalogSnapshot, string> = {
  tables: `select format('%I.%I rls=%s force=%s', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity) as d
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and ${USER_SCHEMAS}`,
  columns: `select format('%I.%I.%I %s notnull=%s default=%s generated=%s', n.nspname, c.relname, a.attname,
                          format_type(a.atttypid, a.atttypmod), a.attnotnull,
                          coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attgenerated) as d
              from pg_attribute a
              join pg_class c on c.oid = a.attrelid
              join pg_namespace n on n.oid = c.relnamespace
              left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and ${USER_SCHEMAS}`,
  indexes: `select format('%I.%I %s', n.nspname, c.relname, pg_get_indexdef(i.indexrelid)) as d
              from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
             where ${USER_SCHEMAS}`,
  constraints: `select format('%I.%I %I %s', n.nspname, t.relname, con.conname, pg_get_constraintdef(con.oid)) as d
                  from pg_constraint con
                  join pg_class t on t.oid = con.conrelid
                  join pg_namespace n on n.oid = t.relnamespace
                 where ${USER_SCHEMAS}`,
  policies: `select format('%I.%I %I %s %s to=%s using=%s check=%s', p.schemaname, p.tablename, p.policyname,
                           p.permissive, p.cmd, p.roles::text, coalesce(p.qual, ''), coalesce(p.with_check, '')) as d
               from pg_policies p`,
  types: `select format('%I.%I enum(%s)', n.nspname, t.typname, string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder)) as d
            from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
           where ${USER_SCHEMAS}
           group by n.nspname, t.typname`,
  routines: `select format('%I.%I(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(pg_get_functiondef(p.oid))) as d
               from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where p.prokind in ('f', 'p') and ${USER_SCHEMAS} and ${NOT_FROM_EXTENSION("p.oid", "pg_proc")}`,
  triggers: `select format('%I.%I %s', n.nspname, c.relname, pg_get_triggerdef(t.oid)) as d
               from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
              where not t.tgisinternal and ${USER_SCHEMAS}`,
  views: `select format('%I.%I %s %s', n.nspname, c.relname, c.relkind, md5(pg_get_viewdef(c.oid))) as d
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('v', 'm') and ${USER_SCHEMAS} and ${NOT_FROM_EXTENSION("c.oid", "pg_class")}`,
  sequences: `select format('%I.%I %s', n.nspname, c.relname, format_type(s.seqtypid, null)) as d
                from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
               where ${USER_SCHEMAS}`,
  extensions: `select extname as d from pg_extension`,
};

/** Reads the catalog snapshot of the database the driver is connected to. */
export async function catalogSnapshot(driver: Driver): Promise<CatalogSnapshot> {
  const snapshot = {} as CatalogSnapshot;
  for (const [kind, sql] of Object.entries(QUERIES) as [keyof CatalogSnapshot, string][]) {
    const rows = await driver.query<{ d: string }>(sql);
    snapshot[kind] = rows.map((r) => r.d).sort();
  }
  return snapshot;
}

/** What differs between two catalog snapshots, per kind of object. */
export function diffCatalogs(first: CatalogSnapshot, second: CatalogSnapshot): CatalogDiff {
  const diff = {} as CatalogDiff;
  for (const kind of Object.keys(QUERIES) as (keyof CatalogSnapshot)[]) {
    const a = new Set(first[kind]);
    const b = new Set(second[kind]);
    diff[kind] = {
      onlyInFirst: first[kind].filter((x) => !b.has(x)),
      onlyInSecond: second[kind].filter((x) => !a.has(x)),
    };
  }
  return diff;
}
