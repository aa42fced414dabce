/**
 * `CREATE INDEX CONCURRENTLY` that fails (a lock timeout, a duplicate key) leaves an INVALID index
 * behind, which the next attempt's `IF NOT EXISTS` then skips: the migration would be recorded
 * with an index PostgreSQL never uses. The runner drops such a leftover before each build and
 * checks, before recording a migration, that none of its indexes is invalid.
 */
import type { Driver } from "../drivers/driver.ts";
import { objectField, relationName, stringField } from "../sql/ast.ts";
import type { ReviewStatement } from "../sql/parse-migration.ts";
import { quoteIdent } from "../sql/quote-ident.ts";

/** An index a statement builds concurrently. */
export interface IndexRef {
  name: string;
  table: string;
  schema?: string;
}

/** The named indexes a statement builds with `CREATE INDEX CONCURRENTLY`. */
export function concurrentIndexes(statement: ReviewStatement): IndexRef[] {
  return statement.units.flatMap((unit) => {
    if (unit.type !== "IndexStmt" || unit.node["concurrent"] !== true) return [];
    const name = stringField(unit.node, "idxname");
    const relation = objectField(unit.node, "relation");
    const table = relationName(relation);
    if (!name || !table) return [];
    const schema = stringField(relation, "schemaname");
    return [schema ? { name, table, schema } : { name, table }];
  });
}

async function invalid(driver: Driver, index: IndexRef): Promise<{ schema: string; name: string }[]> {
  return driver.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND c.relname = $1 AND t.relname = $2
        AND (n.nspname = $3 OR ($3 IS NULL AND n.nspname = ANY (current_schemas(false))))`,
    [index.name, index.table, index.schema ?? null],
  );
}

/** Drops an INVALID index of that name on that table, left by an earlier failed concurrent build. */
export async function dropInvalidIndex(driver: Driver, index: IndexRef): Promise<void> {
  for (const found of await invalid(driver, index)) {
    await driver.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(found.schema)}.${quoteIdent(found.name)}`);
  }
}

/** The indexes among `indexes` that exist and are INVALID, as `schema.name`. */
export async function invalidIndexes(driver: Driver, indexes: readonly IndexRef[]): Promise<string[]> {
  const found: string[] = [];
  for (const index of indexes) for (const i of await invalid(driver, index)) found.push(`${i.schema}.${i.name}`);
  return found;
}
