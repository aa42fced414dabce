/**
 * The idempotent write every non-reference tier uses: insert rows that are not there yet, leave
 * the ones that are. Rows carry deterministic ids, so a second run finds them all present.
 */
import { getTableName, sql } from "drizzle-orm";
import type { PgInsertValue, PgTable } from "drizzle-orm/pg-core";
import { type SeedTableCount, tableCount } from "@repo/migrator";
import type { Transaction } from "../client.ts";

/**
 * Inserts `rows` with `ON CONFLICT DO NOTHING` and counts how many went in and how many were
 * already present. Run it inside `withTenantContext` for tenant tables, so the RLS policies check
 * every row.
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
  const inserted = await tx
    .insert(table)
    .values(rows)
    .onConflictDoNothing()
    .returning({ one: sql<number>`1` });
  return tableCount(name, { inserted: inserted.length, present: rows.length - inserted.length });
}
