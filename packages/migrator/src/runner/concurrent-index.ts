/**
 * `CREATE INDEX CONCURRENTLY` that fails (a lock timeout, a duplicate key) leaves an INVALID index
 * behind, which the next attempt's `IF NOT EXISTS` then skips: the migration would be recorded
 * with an index PostgreSQL never uses (yet updates on every write, and a unique one still refuses
 * duplicates). An unnamed build's retry builds `t_v_idx1` beside it; `REINDEX … CONCURRENTLY`
 * leaves `…_ccnew`. The runner drops a named leftover before each build, and after a failed
 * concurrent build or rebuild drops every INVALID index that appeared on its table(s) since; what
 * it cannot drop it names. Before recording a migration it checks that none of its indexes is invalid.
 */
import type { Driver } from "../drivers/driver.ts";
import { arrayField, nodeOf, objectField, relationName, stringField } from "../sql/ast.ts";
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

/**
 * Where a statement builds or rebuilds indexes concurrently: a table (`CREATE INDEX CONCURRENTLY`,
 * named or not; `REINDEX TABLE … CONCURRENTLY`), the table of an index (`REINDEX INDEX …
 * CONCURRENTLY`), a schema or the whole database (`REINDEX SCHEMA|DATABASE|SYSTEM … CONCURRENTLY`).
 */
export type ConcurrentTarget =
  { kind: "table" | "index"; name: string } | { kind: "schema"; name: string } | { kind: "database" };

/** The targets of a statement's concurrent index builds and rebuilds (none for other statements). */
export function concurrentTargets(statement: ReviewStatement): ConcurrentTarget[] {
  return statement.units.flatMap((unit): ConcurrentTarget[] => {
    if (unit.guards.inDoBlock) return [];
    const relation = objectField(unit.node, "relation");
    const table = relationName(relation);
    const qualified = (name: string) => {
      const schema = stringField(relation, "schemaname");
      return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
    };
    if (unit.type === "IndexStmt") {
      return unit.node["concurrent"] === true && table ? [{ kind: "table", name: qualified(table) }] : [];
    }
    if (unit.type !== "ReindexStmt") return [];
    const concurrently = arrayField(unit.node, "params").some(
      (param) => stringField(nodeOf(param, "DefElem"), "defname") === "concurrently",
    );
    if (!concurrently) return [];
    switch (stringField(unit.node, "kind")) {
      case "REINDEX_OBJECT_INDEX":
        return table ? [{ kind: "index", name: qualified(table) }] : [];
      case "REINDEX_OBJECT_TABLE":
        return table ? [{ kind: "table", name: qualified(table) }] : [];
      case "REINDEX_OBJECT_SCHEMA":
        return [{ kind: "schema", name: stringField(unit.node, "name") ?? "" }];
      default:
        return [{ kind: "database" }];
    }
  });
}

/**
 * The INVALID indexes on the targets now (a table's partitions included): `schema.name` (as the
 * messages name them) → its quoted name.
 */
export async function invalidIndexesOn(
  driver: Driver,
  targets: readonly ConcurrentTarget[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const target of targets) {
    // A partitioned table's rebuild leaves its leftovers on the partitions: the whole tree counts
    // (pg_partition_tree lists nothing for a table that is not partitioned).
    const where =
      target.kind === "table"
        ? "(i.indrelid = to_regclass($1) OR i.indrelid IN (SELECT relid FROM pg_partition_tree(to_regclass($1))))"
        : target.kind === "index"
          ? "i.indrelid IN (SELECT t.oid FROM pg_index x, LATERAL (SELECT x.indrelid AS oid UNION SELECT relid FROM pg_partition_tree(x.indrelid)) t WHERE x.indexrelid = to_regclass($1))"
          : target.kind === "schema"
            ? "n.nspname = $1"
            : "n.nspname NOT IN ('pg_catalog', 'information_schema')";
    const rows = await driver.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT i.indisvalid AND ${where}`,
      target.kind === "database" ? [] : [target.name],
    );
    for (const row of rows) found.set(`${row.schema}.${row.name}`, `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`);
  }
  return found;
}

/**
 * After a failed concurrent build or rebuild: drops (`DROP INDEX CONCURRENTLY IF EXISTS`) every
 * INVALID index on its targets that was not there `before`, and returns those it could not drop.
 */
export async function dropLeftoverIndexes(
  driver: Driver,
  targets: readonly ConcurrentTarget[],
  before: ReadonlyMap<string, string>,
): Promise<string[]> {
  const stays: string[] = [];
  for (const [index, quoted] of await invalidIndexesOn(driver, targets)) {
    if (before.has(index)) continue;
    await driver.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${quoted}`).catch(() => stays.push(index));
  }
  return stays;
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
