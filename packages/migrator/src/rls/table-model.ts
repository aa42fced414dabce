/**
 * The column and key metadata of a schema's tables, read from the catalog: enough to write a
 * valid row into any of them (types, NOT NULL, defaults, generated columns, enums, vector
 * dimensions, arrays, primary and foreign keys).
 */
import type { Driver } from "../drivers/driver.ts";

export interface ColumnModel {
  name: string;
  /** `format_type()`: what to cast a value to, e.g. `halfvec(1536)`, `text[]`, `ai_provider`. */
  type: string;
  /** The base type's name (`typname`, domains resolved), e.g. `int4`, `halfvec`, `_text`. */
  baseType: string;
  /** `A` array, `E` enum, …: PostgreSQL's `typcategory` of the base type. */
  category: string;
  /** `atttypmod`: the dimensions of `vector(n)`/`halfvec(n)`, the length of `varchar(n)` + 4. */
  typmod: number;
  notNull: boolean;
  hasDefault: boolean;
  /** Generated (`GENERATED ALWAYS AS … STORED`) or identity: never written. */
  generated: boolean;
  enumLabels: string[];
}

export interface ForeignKeyModel {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface TableModel {
  name: string;
  columns: ColumnModel[];
  primaryKey: string[];
  /** Column sets of unique constraints and unique indexes (expression indexes left out). */
  uniqueKeys: string[][];
  foreignKeys: ForeignKeyModel[];
}

/** Reads every ordinary table of `schema` with its columns and keys, keyed by table name. */
export async function probeTableModels(driver: Driver, schema: string): Promise<Map<string, TableModel>> {
  const columns = await driver.query<ColumnModel & { table: string }>(
    `select c.relname as "table", a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            coalesce(bt.typname, t.typname)::text as "baseType", coalesce(bt.typcategory, t.typcategory)::text as category,
            a.atttypmod as typmod, a.attnotnull as "notNull", a.atthasdef as "hasDefault",
            (a.attgenerated <> '' or a.attidentity <> '') as generated,
            array(select e.enumlabel from pg_enum e where e.enumtypid = coalesce(bt.oid, t.oid) order by e.enumsortorder)::text[] as "enumLabels"
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_type t on t.oid = a.atttypid
       left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
      where n.nspname = $1 and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`,
    [schema],
  );
  const constraints = await driver.query<{
    table: string;
    name: string;
    kind: "p" | "f";
    columns: string[];
    refTable: string | null;
    refColumns: string[];
  }>(
    `select c.relname as "table", con.conname as name, con.contype::text as kind,
            array(select a.attname from unnest(con.conkey) with ordinality k(num, i)
                    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.i)::text[] as columns,
            fc.relname as "refTable",
            array(select a.attname from unnest(con.confkey) with ordinality k(num, i)
                    join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.i)::text[] as "refColumns"
       from pg_constraint con
       join pg_class c on c.oid = con.conrelid
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_class fc on fc.oid = con.confrelid
      where n.nspname = $1 and con.contype in ('p', 'f')
      order by c.relname, con.conname`,
    [schema],
  );
  const uniques = await driver.query<{ table: string; columns: string[] }>(
    `select c.relname as "table",
            array(select a.attname from unnest(i.indkey::int2[]) with ordinality k(num, o)
                    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.num order by k.o)::text[] as columns
       from pg_index i
       join pg_class c on c.oid = i.indrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and i.indisunique and not (0 = any (i.indkey::int2[]))
      order by 1`,
    [schema],
  );
  const tables = new Map<string, TableModel>();
  for (const { table, ...column } of columns) {
    let model = tables.get(table);
    if (!model) {
      model = { name: table, columns: [], primaryKey: [], uniqueKeys: [], foreignKeys: [] };
      tables.set(table, model);
    }
    model.columns.push(column);
  }
  for (const con of constraints) {
    const model = tables.get(con.table);
    if (!model) continue;
    if (con.kind === "p") model.primaryKey = con.columns;
    else
      model.foreignKeys.push({
        name: con.name,
        columns: con.columns,
        refTable: con.refTable ?? "",
        refColumns: con.refColumns,
      });
  }
  for (const unique of uniques) tables.get(unique.table)?.uniqueKeys.push(unique.columns);
  return tables;
}
