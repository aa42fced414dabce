import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import type { AppliedRow } from "./bookkeeping.ts";

/**
 * The state of one migration of the folder in a database:
 * - `applied`: a row records it (by Drizzle Kit 1.0's name, else by the file's hash);
 * - `modified`: a row records it but with another hash (the file changed after it was applied);
 * - `pending`: not applied yet;
 * - `out-of-order`: pending, but a migration after it (by the folder's order or by time) is already
 *   applied: Drizzle's 0.x migrator would skip it silently.
 */
export type MigrationState =
  | { state: "applied"; migration: Migration; row: HashedRow }
  | { state: "modified"; migration: Migration; row: HashedRow }
  | { state: "pending"; migration: Migration }
  | { state: "out-of-order"; migration: Migration; newestAppliedWhen: number };

/** A row with a hash: only such a row is matched to a migration. */
export type HashedRow = AppliedRow & { hash: string };

/** A database's history compared with a migrations folder. */
export interface HistoryState {
  /** One entry per migration of the folder, in apply order. */
  migrations: MigrationState[];
  /**
   * Rows no migration matches (`unknown`). `duplicateOf` names the migration a row records a
   * second time (its name, or its hash and `when`, are those of a row already matched): it was
   * applied twice, not by newer code. A row with a NULL hash is always here (never a duplicate):
   * nothing shows which file it ran, so neither its name nor its `created_at` matches it.
   */
  unknown: (AppliedRow & { duplicateOf?: string })[];
  /** Rows in the bookkeeping table. */
  appliedCount: number;
  /** Migrations in the folder. */
  expectedCount: number;
  /** Migrations still to apply (`pending` and `out-of-order`). */
  pendingCount: number;
}

/**
 * Matches bookkeeping rows to migrations, each row at most once and never by timestamp alone when
 * that could be ambiguous:
 * 1. a row with a `name` (Drizzle Kit 1.0) belongs to the migration of that name, whatever its hash;
 * 2. any other row, to the migration whose file has its hash (where several migrations or several
 *    rows share a hash, a row goes to the migration whose `when` it records);
 * 3. a row left over, to the one migration left over with its `when` (to the second in a 1.0
 *    folder): that migration's file changed after it was applied (`modified`). Where several
 *    migrations or rows share a `when`, none is matched this way (they stay pending and unknown).
 * A row with a NULL hash (a table Drizzle did not create allows one) is matched to none: it is unknown.
 */
export function compareHistory(folder: MigrationFolder, rows: readonly AppliedRow[]): HistoryState {
  const hashed = rows.filter((r): r is HashedRow => r.hash !== null);
  const matched = new Map<Migration, HashedRow>();
  const unmatched = new Set<AppliedRow>(hashed);
  const byName = new Map(folder.migrations.map((m) => [m.name, m]));
  for (const row of hashed) {
    const migration = row.name ? byName.get(row.name) : undefined;
    if (migration && !matched.has(migration)) {
      matched.set(migration, row);
      unmatched.delete(row);
    }
  }
  const second = folder.layout === "folders";
  const key = (when: number | null) => (when === null ? null : second ? Math.floor(when / 1000) : when);
  /** Each hash's migrations and rows, in order (one pass each, not a search per migration). */
  const migrationsByHash = groupBy(folder.migrations, (m) => m.hash);
  const rowsByHash = groupBy(
    hashed.filter((r) => unmatched.has(r)),
    (r) => r.hash,
  );
  const take = (migration: Migration, row: HashedRow) => {
    matched.set(migration, row);
    unmatched.delete(row);
  };
  // Migrations with the same SQL share a hash: a row goes to the one of them whose `when` it records.
  for (const [hash, twins] of migrationsByHash) {
    if (twins.length < 2) continue;
    for (const row of rowsByHash.get(hash) ?? []) {
      const [byWhen, ...others] = twins.filter((m) => !matched.has(m) && key(m.when) === key(row.createdAt));
      if (byWhen && others.length === 0) take(byWhen, row);
    }
  }
  for (const migration of folder.migrations) {
    if (matched.has(migration)) continue;
    // Of several rows with its hash (another migration of the same SQL, its journal entry since
    // removed), the one that records its `when`.
    const rowsWithHash = rowsByHash.get(migration.hash)?.filter((r) => unmatched.has(r)) ?? [];
    const row = rowsWithHash.find((r) => key(r.createdAt) === key(migration.when)) ?? rowsWithHash[0];
    if (row) take(migration, row);
  }
  const leftMigrations = folder.migrations.filter((m) => !matched.has(m));
  for (const migration of leftMigrations) {
    const sameWhen = leftMigrations.filter((m) => key(m.when) === key(migration.when));
    const rowsWithWhen = hashed.filter((r) => unmatched.has(r) && !r.name && key(r.createdAt) === key(migration.when));
    const [row] = rowsWithWhen;
    if (sameWhen.length === 1 && rowsWithWhen.length === 1 && row) {
      matched.set(migration, row);
      unmatched.delete(row);
    }
  }

  const appliedPositions = folder.migrations.flatMap((m, i) => (matched.has(m) ? [i] : []));
  const lastAppliedPosition = Math.max(-1, ...appliedPositions);
  const newestApplied = Math.max(-Infinity, ...folder.migrations.filter((m) => matched.has(m)).map((m) => m.when));
  const migrations = folder.migrations.map((migration, i): MigrationState => {
    const row = matched.get(migration);
    if (row) return { state: row.hash === migration.hash ? "applied" : "modified", migration, row };
    if (i < lastAppliedPosition || migration.when < newestApplied)
      return { state: "out-of-order", migration, newestAppliedWhen: newestApplied };
    return { state: "pending", migration };
  });
  // A second run of a migration records what the first did: its name, or its hash and `when`. A row
  // of that hash with another `when` is another migration's (same SQL), unknown to the folder.
  const duplicateOf = (row: AppliedRow) =>
    row.hash === null
      ? undefined
      : [...matched].find(
          ([m, r]) =>
            r !== row &&
            (row.name ? row.name === m.name : row.hash === m.hash && key(row.createdAt) === key(r.createdAt)),
        )?.[0].tag;
  return {
    migrations,
    unknown: rows
      .filter((row) => row.hash === null || unmatched.has(row))
      .map((row) => {
        const of = duplicateOf(row);
        return of ? { ...row, duplicateOf: of } : row;
      }),
    appliedCount: rows.length,
    expectedCount: folder.migrations.length,
    pendingCount: migrations.filter((m) => m.state === "pending" || m.state === "out-of-order").length,
  };
}

/** The items by key, each group in the items' order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
