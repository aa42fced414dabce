/** What a tier did to one table: rows it inserted, updated, and rows it found already there. */
export interface SeedTableCount {
  table: string;
  inserted: number;
  /** Rows changed in place (only where the tier allows it, e.g. a model's display name). */
  updated: number;
  /** Rows the tier wanted that were already present (and left unchanged). */
  present: number;
}

/** A count for `table` with the given numbers (the rest zero). */
export function tableCount(table: string, counts: Partial<Omit<SeedTableCount, "table">> = {}): SeedTableCount {
  return { table, inserted: counts.inserted ?? 0, updated: counts.updated ?? 0, present: counts.present ?? 0 };
}

/**
 * Adds counts up per table, keeping the order in which tables first appear.
 *
 * @example
 * sumCounts([tableCount("user", { inserted: 1 }), tableCount("user", { present: 2 })])
 * // [{ table: "user", inserted: 1, updated: 0, present: 2 }]
 */
export function sumCounts(counts: readonly SeedTableCount[]): SeedTableCount[] {
  const byTable = new Map<string, SeedTableCount>();
  for (const count of counts) {
    const total = byTable.get(count.table) ?? tableCount(count.table);
    total.inserted += count.inserted;
    total.updated += count.updated;
    total.present += count.present;
    byTable.set(count.table, total);
  }
  return [...byTable.values()];
}
