import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import type { AppliedRow } from "./bookkeeping.ts";

/**
 * The state of one journal migration in a database:
 * - `applied`: a row has the file's hash;
 * - `modified`: no row has the hash, but a row has its `when` as `created_at` (the file changed
 *   after it was applied);
 * - `pending`: not applied yet;
 * - `out-of-order`: pending, but older than the newest applied migration (Drizzle would skip it).
 */
export type MigrationState =
  | { state: "applied"; migration: Migration; row: AppliedRow }
  | { state: "modified"; migration: Migration; row: AppliedRow }
  | { state: "pending"; migration: Migration }
  | { state: "out-of-order"; migration: Migration; newestAppliedWhen: number };

/** A database's history compared with a migrations folder. */
export interface HistoryState {
  /** One entry per journal migration, in journal order. */
  migrations: MigrationState[];
  /** Rows no journal entry matches (`unknown`). */
  unknown: AppliedRow[];
  /** Rows in the bookkeeping table. */
  appliedCount: number;
  /** Journal entries. */
  expectedCount: number;
  /** Migrations still to apply (`pending` and `out-of-order`). */
  pendingCount: number;
}

/**
 * Matches bookkeeping rows to journal migrations by hash (never by timestamp, so nothing is
 * skipped), then unmatched rows by `created_at` = `when` (a modified file). Each row matches once.
 */
export function compareHistory(folder: MigrationFolder, rows: readonly AppliedRow[]): HistoryState {
  const unmatched = [...rows];
  const take = (test: (row: AppliedRow) => boolean): AppliedRow | undefined => {
    const at = unmatched.findIndex(test);
    return at === -1 ? undefined : unmatched.splice(at, 1)[0];
  };
  const byHash = folder.migrations.map((m) => take((r) => r.hash === m.hash));
  const byWhen = folder.migrations.map((m, i) => (byHash[i] ? undefined : take((r) => r.createdAt === m.when)));
  const newestApplied = Math.max(
    -Infinity,
    ...rows.filter((r) => !unmatched.includes(r)).map((r) => r.createdAt ?? -Infinity),
  );
  const migrations = folder.migrations.map((migration, i): MigrationState => {
    const applied = byHash[i];
    if (applied) return { state: "applied", migration, row: applied };
    const modified = byWhen[i];
    if (modified) return { state: "modified", migration, row: modified };
    if (migration.when < newestApplied) return { state: "out-of-order", migration, newestAppliedWhen: newestApplied };
    return { state: "pending", migration };
  });
  return {
    migrations,
    unknown: unmatched,
    appliedCount: rows.length,
    expectedCount: folder.migrations.length,
    pendingCount: migrations.filter((m) => m.state === "pending" || m.state === "out-of-order").length,
  };
}
