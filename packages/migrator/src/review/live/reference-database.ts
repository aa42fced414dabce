/**
 * The reference database of `--live --database-url`: a real database (production, or a copy of
 * it) whose table sizes weigh the measured locks. It is only ever read: the session starts with
 * `default_transaction_read_only` on, every query runs in a `READ ONLY` transaction, and the only
 * statements sent are the catalog reads below.
 */
import type { Driver } from "../../drivers/driver.ts";
import { openPostgresDriver } from "../../drivers/postgres.ts";
import { MigratorError } from "../../errors/migrator-error.ts";
import type { RelationName } from "./measure-migration.ts";

/** A table's size in the reference database. */
export interface RelationSize {
  /** The planner's row estimate (`reltuples`); undefined when the table was never vacuumed or analyzed. */
  rows?: number;
  /** `pg_total_relation_size`: heap, indexes and TOAST, in bytes. */
  totalBytes: number;
  /** `pg_relation_size`: the heap alone, in bytes. */
  heapBytes: number;
}

/** Opens a session on the reference database that cannot write, and checks that it cannot. */
export async function openReadOnly(url: string): Promise<Driver> {
  const driver = await openPostgresDriver(url, { applicationName: "migrator-review-reference", readOnly: true });
  const [row] = await driver.query<{ value: string }>(
    "SELECT current_setting('default_transaction_read_only') AS value",
  );
  if (row?.value !== "on") {
    await driver.close();
    throw new MigratorError(
      "live-database-refused",
      `the reference database ${driver.target} did not start read-only (default_transaction_read_only is ${row?.value ?? "unknown"})`,
      "connect to it directly rather than through a pooler that drops startup options",
    );
  }
  return driver;
}

/** The sizes of the tables that exist in the reference database, by `schema.name`. */
export async function relationSizes(
  driver: Driver,
  relations: readonly RelationName[],
): Promise<Map<string, RelationSize>> {
  const sizes = new Map<string, RelationSize>();
  if (relations.length === 0) return sizes;
  await driver.exec("BEGIN TRANSACTION READ ONLY");
  try {
    const rows = await driver.query<{ schema: string; name: string; rows: number; total: string; heap: string }>(
      `SELECT w.schema, w.name, c.reltuples::float8 AS rows,
              pg_total_relation_size(c.oid)::text AS total, pg_relation_size(c.oid)::text AS heap
         FROM unnest($1::text[], $2::text[]) AS w(schema, name)
         JOIN pg_namespace n ON n.nspname = w.schema
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name`,
      [relations.map((r) => r.schema), relations.map((r) => r.name)],
    );
    for (const row of rows) {
      const estimate = Number(row.rows);
      sizes.set(`${row.schema}.${row.name}`, {
        ...(estimate >= 0 ? { rows: Math.round(estimate) } : {}),
        totalBytes: Number(row.total),
        heapBytes: Number(row.heap),
      });
    }
  } finally {
    await driver.exec("COMMIT");
  }
  return sizes;
}

/** Whether a table counts as large: at least `rows` rows, or never analyzed but not empty. */
export function isLarge(size: RelationSize, rows: number): boolean {
  return size.rows === undefined ? size.heapBytes > 0 : size.rows >= rows;
}

/**
 * A size for a message.
 *
 * @example describeSize({ rows: 1234567, totalBytes: 350e6, heapBytes: 300e6 }) // "~1,234,567 rows, 334 MB"
 */
export function describeSize(size: RelationSize): string {
  const rows =
    size.rows === undefined ? "row count unknown (never analyzed)" : `~${size.rows.toLocaleString("en-US")} rows`;
  return `${rows}, ${formatBytes(size.totalBytes)}`;
}

function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
