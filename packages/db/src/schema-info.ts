/**
 * Facts about the TypeScript schema that tools and tests need without a database: which tables
 * exist and which of them are tenant tables (have the tenant column).
 */
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { TENANT_COLUMN } from "./project.ts";
import * as schema from "./schema/index.ts";

/** Every table of the schema with its Drizzle config, sorted by name. */
export function schemaTables(): ReturnType<typeof getTableConfig>[] {
  return (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => getTableConfig(table))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Names of the tables that have the tenant column, sorted. */
export function schemaTenantTables(): string[] {
  return schemaTables()
    .filter((config) => config.columns.some((column) => column.name === TENANT_COLUMN))
    .map((config) => config.name);
}
