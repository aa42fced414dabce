/**
 * Discovers the tenant tables twice, from the live catalog and from the project's own schema
 * definition, and refuses to go on when they disagree: a table with the tenant column that one
 * side does not know about is exactly the table an isolation test would forget.
 */
import type { Driver } from "../drivers/driver.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { catalogTenantTables } from "./catalog-probe.ts";
import type { RlsConfig } from "./rls-config.ts";

/** The catalog and the schema definition do not list the same tenant tables. */
export class TenantTableMismatchError extends MigratorError {
  override name = "TenantTableMismatchError";
  constructor(
    /** Tenant tables in the database but not in the schema definition. */
    readonly onlyInCatalog: string[],
    /** Tenant tables in the schema definition but not in the database. */
    readonly onlyInSchema: string[],
  ) {
    const parts = [
      onlyInCatalog.length > 0 ? `in the database but not in the schema: ${onlyInCatalog.join(", ")}` : "",
      onlyInSchema.length > 0 ? `in the schema but not in the database: ${onlyInSchema.join(", ")}` : "",
    ].filter(Boolean);
    super(
      "tenant-tables-disagree",
      `tenant tables disagree (${parts.join("; ")})`,
      "define the table in the TypeScript schema and generate its migration, or migrate the database",
    );
  }
}

/**
 * The tenant tables of the database, checked against `expected` (the schema definition's list).
 *
 * @example const tables = await discoverTenantTables(driver, config, schemaTenantTables());
 */
export async function discoverTenantTables(
  driver: Driver,
  config: RlsConfig,
  expected: readonly string[],
): Promise<string[]> {
  const found = await catalogTenantTables(driver, config);
  const onlyInCatalog = found.filter((t) => !expected.includes(t));
  const onlyInSchema = expected.filter((t) => !found.includes(t)).sort();
  if (onlyInCatalog.length > 0 || onlyInSchema.length > 0)
    throw new TenantTableMismatchError(onlyInCatalog, onlyInSchema);
  return found;
}
