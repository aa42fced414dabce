import { createHash } from "node:crypto";

/**
 * The hash Drizzle's migrator stores in `__drizzle_migrations.hash`: SHA-256, in hex, of the whole
 * `.sql` file read as UTF-8 text (drizzle-orm `readMigrationFiles`). Using the same hash is what
 * lets `drizzle-kit migrate` and this runner share one bookkeeping table.
 */
export function migrationHash(fileText: string): string {
  return createHash("sha256").update(fileText).digest("hex");
}
