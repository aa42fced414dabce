import { databaseErrorFields, type Driver, INSUFFICIENT_PRIVILEGE } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";

/** The outcome of {@link verifyMigrations}. */
export interface VerifyResult {
  /** True only when the applied set equals the journal, by count and by hash, and Drizzle's migrator would apply none again. */
  ok: boolean;
  expected: number;
  applied: number;
  /** Journal migrations with no row of their hash (and no row of their `when`). */
  notApplied: { tag: string; hash: string }[];
  /** Journal migrations whose row (same `when`) holds another hash: the file changed. */
  modified: { tag: string; id: number; appliedHash: string; fileHash: string }[];
  /**
   * Rows no journal migration accounts for; `duplicateOf` when the row's hash is a migration's that
   * another row already records (the migration was applied twice). A row with a NULL hash is always
   * here: nothing shows which file it ran (neither its name nor its `created_at` matches it).
   */
  unknown: { id: number; hash: string | null; createdAt: number | null; duplicateOf?: string }[];
  /**
   * Applied migrations Drizzle's own migrator would apply again, by the rule it decides with:
   * drizzle-orm 1.0 (a folder per migration) by the row's `name`, 0.x by the newest row's
   * `created_at` (it runs every migration whose `when` is later).
   */
  rerunByDrizzle: { tag: string; id: number; reason: string }[];
}

/**
 * The independent, read-only check CI runs after migrating: does the database's bookkeeping table
 * hold exactly the journal's migrations, by count and by hash? It shares no code with the apply
 * path (its own query, its own comparison) and runs in a READ ONLY transaction.
 */
export async function verifyMigrations(driver: Driver, folder: MigrationFolder): Promise<VerifyResult> {
  let rows: BookkeepingRow[];
  let named: boolean;
  try {
    ({ rows, named } = await readRowsReadOnly(driver));
  } catch (error) {
    // A user without the right to read the table: named, with the grants it needs (as db:migrate).
    const database = databaseErrorFields(error);
    if (database.code !== INSUFFICIENT_PRIVILEGE) throw error;
    const [who] = await driver.query<{ user: string }>("SELECT current_user::text AS user");
    throw new RunnerError({ kind: "bookkeeping-unusable", ...(who ? { user: who.user } : {}), database });
  }
  const remaining = rows.map((r) => ({
    id: Number(r.id),
    hash: r.hash,
    createdAt: r.created_at === null ? null : Number(r.created_at),
    name: r.name,
  }));
  const byHash = new Map<MigrationFolder["migrations"][number], (typeof remaining)[number]>();
  const missing = folder.migrations.filter((m) => {
    const at = remaining.findIndex((r) => r.hash === m.hash);
    if (at === -1) return true;
    byHash.set(m, remaining.splice(at, 1)[0]!);
    return false;
  });
  // drizzle-orm 0.x compares with the row `ORDER BY created_at DESC LIMIT 1` gives: a NULL
  // created_at comes first there, and reads as 0 (every migration is later).
  const newestCreatedAt = rows.some((r) => r.created_at === null)
    ? 0
    : Math.max(-Infinity, ...rows.map((r) => Number(r.created_at)));
  // drizzle-orm 1.0 runs each migration whose name no row has (a table without `name` it first
  // upgrades, naming each row by time or hash, as db:migrate does).
  const names = new Set(rows.map((r) => r.name));
  const rerunByDrizzle: VerifyResult["rerunByDrizzle"] = [];
  for (const [m, row] of byHash) {
    if (folder.layout === "folders" && named && !names.has(m.name)) {
      rerunByDrizzle.push({
        tag: m.tag,
        id: row.id,
        reason: `no row has its name (its row's is ${row.name === null ? "empty" : JSON.stringify(row.name)}), and drizzle-orm 1.0 decides by name`,
      });
    } else if (folder.layout === "journal" && m.when > newestCreatedAt) {
      rerunByDrizzle.push({
        tag: m.tag,
        id: row.id,
        reason:
          newestCreatedAt === 0
            ? "a row's created_at is NULL, which drizzle-orm takes for its newest and reads as 0, so it runs every migration again"
            : `its journal when (${m.when}) is later than the newest row's created_at (${newestCreatedAt}), and drizzle-orm runs every migration after that`,
      });
    }
  }
  const modified: VerifyResult["modified"] = [];
  const notApplied: VerifyResult["notApplied"] = [];
  const second = (ms: number | null) => (ms === null ? null : folder.layout === "folders" ? Math.floor(ms / 1000) : ms);
  for (const m of missing) {
    const byName = remaining.findIndex((r) => r.hash !== null && r.name === m.name);
    const at =
      byName >= 0 ? byName : remaining.findIndex((r) => r.hash !== null && second(r.createdAt) === second(m.when));
    const row = at === -1 ? undefined : remaining.splice(at, 1)[0];
    if (row && row.hash !== null) modified.push({ tag: m.tag, id: row.id, appliedHash: row.hash, fileHash: m.hash });
    else notApplied.push({ tag: m.tag, hash: m.hash });
  }
  const result = {
    expected: folder.migrations.length,
    applied: rows.length,
    notApplied,
    modified,
    rerunByDrizzle,
    unknown: remaining.map(({ id, hash, createdAt }) => {
      const duplicateOf = folder.migrations.find((m) => m.hash === hash)?.tag;
      return duplicateOf ? { id, hash, createdAt, duplicateOf } : { id, hash, createdAt };
    }),
  };
  return {
    ok:
      result.applied === result.expected &&
      missing.length === 0 &&
      remaining.length === 0 &&
      rerunByDrizzle.length === 0,
    ...result,
  };
}

type BookkeepingRow = { id: number; hash: string | null; created_at: string | null; name: string | null };

/** The bookkeeping table's rows, oldest first (none when it does not exist), read in a READ ONLY transaction. */
async function readRowsReadOnly(driver: Driver): Promise<{ rows: BookkeepingRow[]; named: boolean }> {
  await driver.exec("BEGIN TRANSACTION READ ONLY");
  try {
    // One catalog read: whether the table exists and has 1.0's `name` (pg_attribute, not the
    // slower information_schema.columns view).
    const [table] = await driver.query<{ present: boolean; named: boolean }>(
      `SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present,
              EXISTS (SELECT FROM pg_catalog.pg_attribute
                       WHERE attrelid = to_regclass('drizzle.__drizzle_migrations') AND attname = 'name' AND NOT attisdropped) AS named`,
    );
    const rows = table?.present
      ? await driver.query<BookkeepingRow>(
          `SELECT id, hash, created_at::text AS created_at, ${table.named ? "name" : "NULL::text AS name"} FROM drizzle.__drizzle_migrations ORDER BY id`,
        )
      : [];
    return { rows, named: table?.named === true };
  } finally {
    await driver.exec("COMMIT");
  }
}
