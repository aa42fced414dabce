import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationFolder } from "../journal/migration-folder.ts";
import { verifyMigrations, type VerifyResult } from "../verify/verify-migrations.ts";
import { withMigratorLock } from "./advisory-lock.ts";
import { type AppliedMigration, applyMigration, type LockRetry } from "./apply-migration.ts";
import { ensureBookkeeping, readAppliedRows } from "./bookkeeping.ts";
import { compareHistory } from "./history-state.ts";
import { configureSession, resolveSessionOptions, type SessionOptions } from "./session-options.ts";

/** What a run reports while it works, so a command can print progress. */
export type RunEvent =
  | { type: "state"; applied: number; expected: number; pending: number }
  | { type: "applied"; migration: AppliedMigration }
  | { type: "retry"; retry: LockRetry };

export interface RunOptions extends Partial<SessionOptions> {
  /** Apply pending migrations older than the newest applied one instead of stopping. */
  allowOutOfOrder?: boolean;
  onEvent?: (event: RunEvent) => void;
}

/** The outcome of a run that did not throw. */
export interface RunResult {
  state: { applied: number; expected: number; pending: number };
  applied: AppliedMigration[];
  /** The read-only verification after applying; `ok: false` means the run failed. */
  verification: VerifyResult;
}

/**
 * Brings a database up to a (validated) migrations folder:
 * 1. takes the migrator's advisory lock (a concurrent run waits, then finds nothing pending);
 * 2. reads the bookkeeping table and matches rows to the journal by hash;
 * 3. stops before applying anything on a modified or unknown migration, or on an out-of-order one
 *    unless `allowOutOfOrder`;
 * 4. applies each pending migration in journal order (see `applyMigration`);
 * 5. verifies with {@link verifyMigrations} that the applied set equals the journal.
 *
 * @example
 * const folder = readMigrationFolder("packages/db/src/migrations");
 * const result = await runMigrations(driver, folder, { onEvent: console.log });
 */
export async function runMigrations(
  driver: Driver,
  folder: MigrationFolder,
  options: RunOptions = {},
): Promise<RunResult> {
  const session: SessionOptions = resolveSessionOptions(options);
  const emit = options.onEvent ?? (() => undefined);
  await configureSession(driver, session);
  return withMigratorLock(driver, session.waitTimeoutMs, async () => {
    await ensureBookkeeping(driver);
    const history = compareHistory(folder, await readAppliedRows(driver));
    const state = { applied: history.appliedCount, expected: history.expectedCount, pending: history.pendingCount };
    emit({ type: "state", ...state });
    const modified = history.migrations.flatMap((m) =>
      m.state === "modified"
        ? [
            {
              tag: m.migration.tag,
              file: m.migration.file,
              id: m.row.id,
              appliedHash: m.row.hash,
              fileHash: m.migration.hash,
            },
          ]
        : [],
    );
    if (modified.length > 0 || history.unknown.length > 0) {
      throw new RunnerError({ kind: "history-mismatch", modified, unknown: history.unknown });
    }
    const outOfOrder = history.migrations.flatMap((m) =>
      m.state === "out-of-order"
        ? [{ tag: m.migration.tag, when: m.migration.when, newestAppliedWhen: m.newestAppliedWhen }]
        : [],
    );
    if (outOfOrder.length > 0 && !options.allowOutOfOrder)
      throw new RunnerError({ kind: "out-of-order", migrations: outOfOrder });
    const applied: AppliedMigration[] = [];
    for (const entry of history.migrations) {
      if (entry.state !== "pending" && entry.state !== "out-of-order") continue;
      const result = await applyMigration(driver, entry.migration, session, (retry) => emit({ type: "retry", retry }));
      applied.push(result);
      emit({ type: "applied", migration: result });
    }
    return { state, applied, verification: await verifyMigrations(driver, folder) };
  });
}
