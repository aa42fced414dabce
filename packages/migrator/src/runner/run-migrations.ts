import { databaseErrorFields, type Driver, isConnectionLost } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { TransactionControlLocation } from "../errors/runner-problem.ts";
import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import { loadParser, type ParsedMigration, parseMigration } from "../sql/parse-migration.ts";
import { conformingStringsOff, lockReleases } from "../sql/session-statements.ts";
import { transactionControlProblems } from "../sql/transaction-control.ts";
import { verifyMigrations, type VerifyResult } from "../verify/verify-migrations.ts";
import { lockWaitMessage, MIGRATOR_LOCK_KEY, withMigratorLock } from "./advisory-lock.ts";
import { type AppliedMigration, applyMigration, type LockRetry } from "./apply-migration.ts";
import { ensureBookkeeping, readBookkeeping, upgradeBookkeeping } from "./bookkeeping.ts";
import { futureApplied } from "./future-applied.ts";
import { compareHistory } from "./history-state.ts";
import { checkOutOfOrder } from "./out-of-order-check.ts";
import {
  configureSession,
  resetSession,
  resolveSessionOptions,
  sameSession,
  type SessionOptions,
} from "./session-options.ts";
import { interruptingSignal } from "../runtime/interrupting-signal.ts";

/** What a run reports while it works, so a command can print progress. */
export type RunEvent =
  | { type: "state"; applied: number; expected: number; pending: number }
  | { type: "applying"; tag: string }
  | { type: "applied"; migration: AppliedMigration }
  | { type: "retry"; retry: LockRetry }
  /** Another run holds the migrator's lock: this one waits for it (said once, before waiting). */
  | { type: "waiting"; message: string }
  | { type: "warning"; message: string };

export interface RunOptions extends Partial<SessionOptions> {
  /** Apply pending migrations older than the newest applied one instead of stopping. */
  allowOutOfOrder?: boolean;
  /**
   * Migrations (by tag) that manage their own transactions (`BEGIN`/`COMMIT` of their own, as
   * Drizzle's migrator tolerates), with the reason: they run statement by statement, like the
   * no-transaction directive, instead of being refused. For histories adopted as they are.
   */
  selfManagedTransactions?: Readonly<Record<string, string>>;
  /** Aborted on SIGINT/SIGTERM: the run stops before the next statement and says what stays. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

/** The outcome of a run that did not throw. */
export interface RunResult {
  state: { applied: number; expected: number; pending: number };
  applied: AppliedMigration[];
  /** The read-only verification after applying; `ok: false` means the run failed. */
  verification: VerifyResult;
}

/** A migration to apply, parsed, with how it runs. */
interface Planned {
  migration: Migration;
  parsed: ParsedMigration;
  autocommit: boolean;
}

/**
 * Parses the migrations about to run and refuses, before any runs, transaction control they
 * cannot have (see `sql/transaction-control.ts`) and statements that would undo what the run
 * relies on in its session (`session-control`): releasing its advisory lock (`DISCARD ALL`,
 * `pg_advisory_unlock_all()`, `pg_advisory_unlock` of its key), or turning
 * `standard_conforming_strings` off, naming file and line of each.
 */
async function plan(pending: readonly Migration[], options: RunOptions): Promise<Planned[]> {
  if (pending.length === 0) return [];
  await loadParser();
  const planned: Planned[] = [];
  const problems: TransactionControlLocation[] = [];
  /** Statements that would undo what the runner relies on in its session (its lock, how SQL is read). */
  const releases: TransactionControlLocation[] = [];
  for (const migration of pending) {
    const parsed = parseMigration(migration.tag, migration.file, migration.sql);
    const autocommit = migration.noTransaction || options.selfManagedTransactions?.[migration.tag] !== undefined;
    for (const problem of transactionControlProblems(parsed, !autocommit)) {
      const { command, reason } = problem;
      problems.push({
        tag: migration.tag,
        file: migration.file,
        line: problem.statement.position.line,
        command,
        reason,
      });
    }
    for (const { statement, command } of lockReleases(parsed, MIGRATOR_LOCK_KEY)) {
      releases.push({
        tag: migration.tag,
        file: migration.file,
        line: statement.position.line,
        command,
        reason:
          `it releases the migrator's advisory lock (key ${MIGRATOR_LOCK_KEY}), so another run could apply the same migrations at the same time (applied twice); ` +
          "the runner resets the session after each migration, and a migration releases only the keys it took (pg_advisory_unlock(its key))",
      });
    }
    for (const statement of conformingStringsOff(parsed)) {
      releases.push({
        tag: migration.tag,
        file: migration.file,
        line: statement.position.line,
        command: "standard_conforming_strings off",
        reason:
          "the runner reads each migration as PostgreSQL's parser does with it on; with it off the server reads backslashes in strings differently, " +
          "so a statement the runner checked (for a COMMIT, say) is not the one that runs. Write E'…' strings for escapes instead",
      });
    }
    planned.push({ migration, parsed, autocommit });
  }
  if (problems.length > 0) throw new RunnerError({ kind: "transaction-control", statements: problems });
  if (releases.length > 0) throw new RunnerError({ kind: "session-control", statements: releases });
  return planned;
}

/**
 * Brings a database up to a (validated) migrations folder:
 * 1. takes the migrator's advisory lock (a concurrent run waits, then finds nothing pending);
 * 2. reads the bookkeeping table and matches rows to migrations (see `compareHistory`);
 * 3. stops before applying anything on a modified or unknown migration, on an out-of-order one
 *    unless `allowOutOfOrder`, or on transaction control a migration cannot have;
 * 4. applies each pending migration in the folder's order (see `applyMigration`), putting the
 *    session back as it was set up after each, so no migration's `SET` reaches the next;
 * 5. verifies with {@link verifyMigrations} that the applied set equals the folder.
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
  const emit = options.onEvent ?? (() => undefined);
  const applied: AppliedMigration[] = [];
  try {
    return await run(driver, folder, options, emit, applied);
  } catch (error) {
    // A connection lost outside a migration (waiting for the lock, reading the history, between
    // two migrations) is the documented lost connection too, with what this run applied.
    if (error instanceof RunnerError || !isConnectionLost(error)) throw error;
    throw new RunnerError({
      kind: "connection-lost",
      applied: applied.map((m) => m.tag),
      duringCommit: false,
      detail: databaseErrorFields(error).message,
    });
  }
}

async function run(
  driver: Driver,
  folder: MigrationFolder,
  options: RunOptions,
  emit: (event: RunEvent) => void,
  applied: AppliedMigration[],
): Promise<RunResult> {
  const { session, warnings } = await configureSession(driver, resolveSessionOptions(options));
  for (const message of warnings) emit({ type: "warning", message });
  return withMigratorLock(
    driver,
    session.options.waitTimeoutMs,
    options.signal,
    async (holderPid) => {
      sameSession(session, holderPid);
      // Read only: a run refused below (a modified or out-of-order migration, transaction control)
      // leaves the database as it was, the bookkeeping table included.
      const found = await readBookkeeping(driver);
      const history = compareHistory(folder, found.rows);
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
      if (outOfOrder.length > 0) {
        if (!options.allowOutOfOrder) {
          const future = futureApplied(history, Date.now());
          throw new RunnerError({
            kind: "out-of-order",
            migrations: outOfOrder,
            ...(future.length > 0 ? { futureApplied: future } : {}),
          });
        }
        // Allowed only when it touches nothing the later, applied migrations touch.
        for (const message of await checkOutOfOrder(folder, history)) emit({ type: "warning", message });
      }
      const pending = history.migrations.flatMap((m) =>
        m.state === "pending" || m.state === "out-of-order" ? [m.migration] : [],
      );
      const planned = await plan(pending, options);
      // Nothing refused: now the table is created, or upgraded to 1.0's for a 1.0 folder (every
      // row named, so drizzle-orm 1.0's migrator agrees on it), even when nothing is pending.
      const bookkeeping = await upgradeBookkeeping(
        driver,
        folder,
        await ensureBookkeeping(driver, folder.layout, found),
      );
      for (const { migration, parsed, autocommit } of planned) {
        if (options.signal?.aborted) {
          throw new RunnerError({
            kind: "interrupted",
            signal: interruptingSignal(options.signal),
            applied: applied.map((m) => m.tag),
          });
        }
        emit({ type: "applying", tag: migration.tag });
        const result = await applyMigration(driver, migration, parsed, {
          session,
          autocommit,
          ...(bookkeeping.hasName ? { name: migration.name } : {}),
          onRetry: (retry) => emit({ type: "retry", retry }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        await resetSession(driver, session);
        applied.push(result);
        emit({ type: "applied", migration: result });
      }
      return { state, applied, verification: await verifyMigrations(driver, folder) };
    },
    () =>
      emit({
        type: "waiting",
        message: lockWaitMessage(session.options.waitTimeoutMs),
      }),
  );
}
