import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";
import { withMigratorLock } from "./advisory-lock.ts";
import { BOOKKEEPING_TABLE, readAppliedRows } from "./bookkeeping.ts";
import { compareHistory } from "./history-state.ts";
import { configureSession, resolveSessionOptions, type SessionOptions } from "./session-options.ts";

/** One recorded hash change. */
export interface AcceptedHash {
  tag: string;
  id: number;
  oldHash: string;
  newHash: string;
}

/**
 * Accepts a deliberate, reviewed edit of applied migrations (like Flyway's `repair`): for each
 * tag, which must be `modified`, records the file's current hash in its bookkeeping row. Nothing
 * is executed; all tags change together or none does.
 */
export async function acceptMigrationHashes(
  driver: Driver,
  folder: MigrationFolder,
  tags: readonly string[],
  options: Partial<SessionOptions> = {},
): Promise<AcceptedHash[]> {
  const session = resolveSessionOptions(options);
  await configureSession(driver, session);
  return withMigratorLock(driver, session.waitTimeoutMs, async () => {
    const history = compareHistory(folder, await readAppliedRows(driver));
    const changes = tags.map((tag): AcceptedHash => {
      const entry = history.migrations.find((m) => m.migration.tag === tag);
      if (!entry) throw new RunnerError({ kind: "accept-refused", tag, reason: "not-in-journal" });
      if (entry.state !== "modified") throw new RunnerError({ kind: "accept-refused", tag, reason: "not-modified" });
      return { tag, id: entry.row.id, oldHash: entry.row.hash, newHash: entry.migration.hash };
    });
    await driver.exec("BEGIN");
    try {
      for (const c of changes)
        await driver.query(`UPDATE ${BOOKKEEPING_TABLE} SET hash = $1 WHERE id = $2`, [c.newHash, c.id]);
      await driver.exec("COMMIT");
    } catch (error) {
      await driver.exec("ROLLBACK").catch(() => undefined);
      throw error;
    }
    return changes;
  });
}
