/**
 * Generates rows for every tenant table, for several tenants, from nothing but catalog metadata:
 * a value per column from its type, defaults left to the database, generated columns skipped,
 * foreign keys satisfied by generating the parent rows first (tenant parents for the same
 * tenant, non-tenant parents such as users or reference data once). A new tenant table gets rows
 * without anyone writing a fixture for it.
 */
import { MigratorError } from "../errors/migrator-error.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import type { RlsConfig } from "./rls-config.ts";
import type { ColumnModel, ForeignKeyModel, TableModel } from "./table-model.ts";

/** A column that cannot be given a value, or a table whose keys cannot be satisfied. */
export class IsolationFixtureError extends MigratorError {
  override name = "IsolationFixtureError";
  constructor(
    readonly table: string,
    readonly reason: string,
    fix: string,
  ) {
    super("fixture-impossible", `cannot generate a row for ${table}: ${reason}`, fix);
  }
}

/** A value for one column, as text cast to the column's type on insert. */
export interface FixtureValue {
  column: string;
  type: string;
  value: string;
}

/** One generated row; `tenant` is null for non-tenant parents (users, reference data). */
export interface FixtureRow {
  table: string;
  tenant: string | null;
  values: FixtureValue[];
  /** The primary-key values, which identify the row. */
  key: FixtureValue[];
}

/** A statement with `$n` placeholders and its text parameters. */
export interface FixtureStatement {
  text: string;
  params: string[];
}

function vectorLiteral(dimensions: number): string {
  const size = dimensions > 0 ? dimensions : 1;
  return `[${Array.from({ length: size }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
}

/** A valid text value for a column, unique per `n` where the type allows it. */
function columnValue(table: string, column: ColumnModel, n: number): string {
  if (column.enumLabels.length > 0) return column.enumLabels[0] as string;
  if (column.category === "A") return "{}";
  switch (column.baseType) {
    case "text":
    case "varchar":
    case "bpchar":
    case "citext":
    case "name": {
      const value = `${table}-${column.name}-${n}`;
      const max = column.typmod > 4 ? column.typmod - 4 : value.length;
      return value.length <= max ? value : String(n).slice(-max);
    }
    case "int2":
    case "int4":
    case "int8":
    case "numeric":
    case "float4":
    case "float8":
      return String(n);
    case "bool":
      return "true";
    case "uuid":
      return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    case "timestamptz":
    case "timestamp":
      return "2026-01-01 00:00:00+00";
    case "date":
      return "2026-01-01";
    case "time":
    case "timetz":
      return "12:00:00";
    case "interval":
      return "1 day";
    case "json":
    case "jsonb":
      return "{}";
    case "vector":
    case "halfvec":
      return vectorLiteral(column.typmod);
    case "sparsevec":
      return `{1:1}/${column.typmod > 0 ? column.typmod : 1}`;
    case "bit":
    case "varbit":
      return "1".repeat(column.typmod > 0 ? column.typmod : 1);
    case "bytea":
      return "\\x00";
    case "tsvector":
    case "tsquery":
      return "fixture";
    case "inet":
    case "cidr":
      return "10.0.0.1";
    default:
      throw new IsolationFixtureError(
        table,
        `column ${column.name} has type ${column.type}, which the generator has no value for`,
        `give ${column.name} a default, or teach columnValue() in isolation-fixtures.ts the type`,
      );
  }
}

/** Generates rows; parents are generated once and remembered. */
export interface FixtureGenerator {
  /**
   * A fresh row of `table` for `tenant` (null for a non-tenant table), preceded by the parent
   * rows it needs that were not generated before: insert them in the order returned.
   */
  row(table: string, tenant: string | null): FixtureRow[];
}

/** Creates a generator over the table models of one schema. */
export function createFixtureGenerator(
  tables: Map<string, TableModel>,
  config: Pick<RlsConfig, "tenantColumn">,
): FixtureGenerator {
  let counter = 0;
  const parents = new Map<string, FixtureRow>();
  const inProgress = new Set<string>();

  const model = (name: string, from: string): TableModel => {
    const found = tables.get(name);
    if (!found) {
      throw new IsolationFixtureError(
        from,
        `it references ${name}, which is not in the schema`,
        "reference a table of the same schema",
      );
    }
    return found;
  };
  const isTenant = (t: TableModel) => t.columns.some((c) => c.name === config.tenantColumn);

  /** Generates one row, appending it (after its parents) to `out`. */
  function generate(t: TableModel, tenant: string | null, fixed: Map<string, string>, out: FixtureRow[]): FixtureRow {
    if (inProgress.has(t.name)) {
      throw new IsolationFixtureError(
        t.name,
        "its required foreign keys form a cycle",
        "make one foreign key of the cycle nullable",
      );
    }
    if (isTenant(t) && tenant === null) {
      throw new IsolationFixtureError(
        t.name,
        "a non-tenant row requires it through a NOT NULL foreign key",
        "make that foreign key nullable",
      );
    }
    inProgress.add(t.name);
    try {
      const n = ++counter;
      const values = new Map(fixed);
      if (isTenant(t) && tenant !== null) values.set(config.tenantColumn, tenant);
      const required = (fk: ForeignKeyModel) =>
        fk.columns.some((name) => t.columns.find((c) => c.name === name)?.notNull) ||
        fk.columns.some((c) => values.has(c));
      for (const fk of t.foreignKeys.filter(required)) {
        const parentModel = model(fk.refTable, t.name);
        const parentFixed = new Map<string, string>();
        fk.columns.forEach((column, i) => {
          const value = values.get(column);
          if (value !== undefined) parentFixed.set(fk.refColumns[i] as string, value);
        });
        const parentTenant = isTenant(parentModel) ? tenant : null;
        const oneToOne = t.uniqueKeys.some((key) => key.every((column) => fk.columns.includes(column)));
        const parent = oneToOne
          ? generate(parentModel, parentTenant, withNeeds(parentModel, parentFixed, fk.refColumns), out)
          : ensureParent(parentModel, parentTenant, parentFixed, fk.refColumns, out);
        fk.columns.forEach((column, i) => {
          const value = parent.values.find((v) => v.column === fk.refColumns[i])?.value;
          if (value === undefined) {
            throw new IsolationFixtureError(
              t.name,
              `foreign key ${fk.name} needs ${fk.refTable}.${fk.refColumns[i]}, which was not generated`,
              "report this as a generator bug",
            );
          }
          values.set(column, value);
        });
      }
      for (const column of t.columns) {
        if (column.generated || values.has(column.name)) continue;
        const isKey = t.primaryKey.includes(column.name) || t.uniqueKeys.some((key) => key.includes(column.name));
        if (isKey || (column.notNull && !column.hasDefault)) values.set(column.name, columnValue(t.name, column, n));
      }
      for (const name of t.primaryKey) {
        if (!values.has(name)) {
          throw new IsolationFixtureError(
            t.name,
            `primary-key column ${name} is generated, so the row cannot be identified`,
            "use a primary key the application sets",
          );
        }
      }
      const typed = (name: string): FixtureValue => ({
        column: name,
        type: t.columns.find((c) => c.name === name)?.type ?? "text",
        value: values.get(name) as string,
      });
      const row: FixtureRow = {
        table: t.name,
        tenant: isTenant(t) ? tenant : null,
        values: t.columns.filter((c) => values.has(c.name)).map((c) => typed(c.name)),
        key: t.primaryKey.map(typed),
      };
      out.push(row);
      return row;
    } finally {
      inProgress.delete(t.name);
    }
  }

  /** `fixed` plus a value for each needed (referenced) column that has none yet. */
  function withNeeds(t: TableModel, fixed: Map<string, string>, needs: string[]): Map<string, string> {
    const values = new Map(fixed);
    const n = counter + 1;
    for (const name of needs) {
      const column = t.columns.find((c) => c.name === name);
      if (column && !values.has(name)) values.set(name, columnValue(t.name, column, n));
    }
    return values;
  }

  /** The remembered parent row for this table and tenant (or these fixed values), or a new one. */
  function ensureParent(
    t: TableModel,
    tenant: string | null,
    fixed: Map<string, string>,
    needs: string[],
    out: FixtureRow[],
  ): FixtureRow {
    const memo = isTenant(t) ? `${t.name}\u0000${tenant}` : `${t.name}\u0000${JSON.stringify([...fixed].sort())}`;
    const known = parents.get(memo);
    if (known && needs.every((c) => known.values.some((v) => v.column === c))) return known;
    const row = generate(t, tenant, withNeeds(t, fixed, needs), out);
    parents.set(memo, row);
    return row;
  }

  return {
    row(table, tenant) {
      const out: FixtureRow[] = [];
      generate(model(table, table), tenant, new Map(), out);
      return out;
    },
  };
}

function cast(value: FixtureValue, index: number): string {
  return `$${index}::text::${value.type}`;
}

function where(row: FixtureRow, offset: number): string {
  return row.key.map((k, i) => `${quoteIdent(k.column)} = ${cast(k, offset + i + 1)}`).join(" and ");
}

/** The statements the isolation checks run against one generated row. */
export interface RowStatements {
  insert: FixtureStatement;
  /** Selects the row's tenant column by key: one row when visible. */
  select: FixtureStatement;
  /** Rewrites the tenant column with its own value: one row returned when the row is writable. */
  update: FixtureStatement;
  /** Tries to move the row to `tenant`. */
  moveTo(tenant: string): FixtureStatement;
  /** Deletes the row: one row returned when it is deletable. */
  delete: FixtureStatement;
}

/** Builds the insert / select / update / delete statements for a generated row. */
export function rowStatements(row: FixtureRow, config: Pick<RlsConfig, "schema" | "tenantColumn">): RowStatements {
  const target = `${quoteIdent(config.schema)}.${quoteIdent(row.table)}`;
  const keys = row.key.map((k) => k.value);
  const tenantColumn = quoteIdent(config.tenantColumn);
  return {
    insert: {
      text: `insert into ${target} (${row.values.map((v) => quoteIdent(v.column)).join(", ")}) values (${row.values
        .map((v, i) => cast(v, i + 1))
        .join(", ")})`,
      params: row.values.map((v) => v.value),
    },
    select: { text: `select ${tenantColumn} as tenant from ${target} where ${where(row, 0)}`, params: keys },
    update: {
      text: `update ${target} set ${tenantColumn} = ${tenantColumn} where ${where(row, 0)} returning 1`,
      params: keys,
    },
    moveTo: (tenant) => ({
      text: `update ${target} set ${tenantColumn} = $1 where ${where(row, 1)} returning 1`,
      params: [tenant, ...keys],
    }),
    delete: { text: `delete from ${target} where ${where(row, 0)} returning 1`, params: keys },
  };
}
