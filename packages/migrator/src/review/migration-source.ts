/** One migration as the review reads it: its text, and what Drizzle Kit generates for it. */

/** What Drizzle Kit generates for a migration, or why that is unknown. */
export type GeneratedStatements = Pick<MigrationSource, "generated" | "generatedError">;

/** One migration to review, in journal order. */
export interface MigrationSource {
  /** The journal tag, e.g. `0008_add-correlation-id-and-embedding-count`. */
  tag: string;
  /** The path findings print. */
  file: string;
  text: string;
  /**
   * What Drizzle Kit generates from the previous snapshot to this one (`generateMigration`);
   * `manual-addition-header` is checked only where this is known (`snapshot-diff-failed` says
   * where it is not, although both snapshots exist).
   */
  generated?: string[];
  /** Why `generated` is unknown although both snapshots exist (Drizzle Kit's differ refused or failed). */
  generatedError?: string;
  /**
   * `generated` and `generatedError` computed on demand (set instead of them): the review runs
   * Drizzle Kit only for a migration the cache cannot answer. `key` names the differ's input
   * (both snapshots' bytes and the Drizzle Kit), `onLoad` hears how long loading Drizzle Kit took.
   */
  differ?: { key(): string; run(onLoad?: (ms: number) => void): Promise<GeneratedStatements> };
}
