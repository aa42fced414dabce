/**
 * Facts about the TypeScript schema that tools and tests need without a database: which tables
 * exist and which of them are tenant tables (have the tenant column).
 */
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import type { RlsConfig } from "@repo/migrator";
import * as schema from "./schema/index.ts";

/** The column that makes a table tenant-scoped. */
export const TENANT_COLUMN = "organization_id";

/**
 * Trovella's tenant model for the RLS toolkit: tables with `organization_id` in `public` are
 * confined by policies for `authenticated` that read `app.tenant_id`.
 */
export const RLS_CONFIG: RlsConfig = {
  schema: "public",
  tenantColumn: TENANT_COLUMN,
  role: "authenticated",
  tenantSetting: "app.tenant_id",
};

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
