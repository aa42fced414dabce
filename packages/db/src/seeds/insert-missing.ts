/**
 * The idempotent write every non-reference tier uses: insert rows that are not there yet, leave
 * the ones that are. Rows carry deterministic ids, so a second run finds them all present.
 */
import { getTableColumns, getTableName, inArray, sql } from "drizzle-orm";
import type { PgColumn, PgInsertValue, PgTable } from "drizzle-orm/pg-core";
import { MigratorError, type SeedTableCount, tableCount } from "@repo/migrator";
import type { Transaction } from "../client.ts";
import { TENANT_COLUMN } from "../project.ts";

/**
 * Rows the seed writes whose ids other rows already have, where those are not the seed's: hidden
 * from this context by RLS (another organization's), or of another organization. Counting them as
 * present would link the tier's later rows to another tenant's.
 */
export class SeedConflictError extends MigratorError {
  override name = "SeedConflictError";
  constructor(
    readonly table: string,
    readonly ids: string[],
  ) {
    super(
      "seed-conflict",
      `${table}: ${ids.length} row(s) the seed writes exist already as another organization's (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}); nothing of the tier was linked to them`,
      `these ids are the seed's own (seeds/data): remove or rename the other rows with them, or seed a database that has no such rows`,
    );
  }
}

/** The table's primary-key column and the property rows give it under (every seeded table has one). */
function primaryKey(table: PgTable): { property: string; column: PgColumn } {
  const keys = Object.entries(getTableColumns(table)).filter(([, column]) => column.primary);
  const [key] = keys;
  if (keys.length !== 1 || !key) throw new Error(`insertMissing: ${getTableName(table)} has no one-column primary key`);
  return { property: key[0], column: key[1] };
}

/** The property rows give the tenant column under, if the table has one. */
function tenantProperty(table: PgTable): { property: string; column: PgColumn } | undefined {
  const found = Object.entries(getTableColumns(table)).find(([, column]) => column.name === TENANT_COLUMN);
  return found && { property: found[0], column: found[1] };
}

/**
 * Inserts `rows` with `ON CONFLICT (<primary key>) DO NOTHING` and counts how many went in and how
 * many were already present. Run it inside `withTenantContext` for tenant tables, so the RLS
 * policies check every row. A row counted present is the seed's own: visible in this context
 * and, in a tenant table, of the organization the seed meant; otherwise it throws
 * `SeedConflictError`. A clash on another unique column (a slug) fails as the database reports it.
 *
 * @example
 * await withTenantContext(orgId, userId, (tx) => insertMissing(tx, researchPlan, plans), db);
 * // { table: "research_plan", inserted: 2, updated: 0, present: 0 }
 */
export async function insertMissing<T extends PgTable>(
  tx: Transaction,
  table: T,
  rows: PgInsertValue<T>[],
): Promise<SeedTableCount> {
  const name = getTableName(table);
  if (rows.length === 0) return tableCount(name);
  const key = primaryKey(table);
  const keyOf = (row: PgInsertValue<T>) => String((row as Record<string, unknown>)[key.property]);
  const inserted = await tx
    .insert(table)
    .values(rows)
    .onConflictDoNothing({ target: key.column })
    .returning({ key: sql<string>`${key.column}::text` });
  const insertedKeys = new Set(inserted.map((r) => r.key));
  const present = rows.filter((row) => !insertedKeys.has(keyOf(row)));
  if (present.length > 0) await expectOwnRows(tx, table, key, present.map(keyOf), present);
  return tableCount(name, { inserted: inserted.length, present: present.length });
}

/** Throws `SeedConflictError` unless each of `keys` is a row this context sees, of the organization its seed row names. */
async function expectOwnRows<T extends PgTable>(
  tx: Transaction,
  table: T,
  key: { column: PgColumn },
  keys: string[],
  rows: PgInsertValue<T>[],
): Promise<void> {
  const tenant = tenantProperty(table);
  const found = await tx
    .select({ key: sql<string>`${key.column}::text`, tenant: tenant ? sql<string>`${tenant.column}::text` : sql`null` })
    .from(table as PgTable)
    .where(inArray(key.column, keys));
  const seen = new Map(found.map((r) => [r.key, r.tenant]));
  const foreign = keys.filter((k, i) => {
    if (!seen.has(k)) return true;
    const meant = tenant ? (rows[i] as Record<string, unknown>)[tenant.property] : undefined;
    return meant !== undefined && seen.get(k) !== String(meant);
  });
  if (foreign.length > 0) throw new SeedConflictError(getTableName(table), foreign);
}
