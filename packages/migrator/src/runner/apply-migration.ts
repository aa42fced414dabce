/**
 * Applies one migration, under one of two transaction models:
 * - one transaction (the default): its statements and its bookkeeping row commit together, so it is
 *   applied whole or not at all. The runner checks before its COMMIT that the migration did not end
 *   the transaction itself;
 * - statement by statement in autocommit (the `-- migrator:no-transaction` directive, or a migration
 *   the project declares as managing its own transactions): each statement commits on its own and
 *   the row is written last, after checking that no index it builds was left INVALID.
 * A `lock_timeout` is retried with exponential backoff and jitter; a failure says exactly what of
 * the migration stays applied.
 */
import { databaseErrorFields, type Driver, isConnectionLost } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationProgress, StatementLocation } from "../errors/runner-problem.ts";
import type { Migration } from "../journal/migration-folder.ts";
import { countLineBreaks, firstCodeLine } from "../sql/comments.ts";
import type { ParsedMigration, ReviewStatement } from "../sql/parse-migration.ts";
import { commitsAndChains, commitsWithin, inOwnTransactionAfter } from "../sql/transaction-control.ts";
import { setsTimeouts } from "../sql/session-statements.ts";
import { MIGRATOR_LOCK_HELD_SQL, MIGRATOR_LOCK_KEY } from "./advisory-lock.ts";
import { recordMigration } from "./bookkeeping.ts";
import {
  concurrentIndexes,
  concurrentTargets,
  dropInvalidIndex,
  dropLeftoverIndexes,
  invalidIndexes,
  invalidIndexesOn,
} from "./concurrent-index.ts";
import { asRunnerSql, retryDelay, type RunnerSession, sameSession, type SessionOptions } from "./session-options.ts";
import { interruptingSignal } from "../runtime/interrupting-signal.ts";
import { codePointsToCharOffset } from "../sql/text-offsets.ts";

/** PostgreSQL's SQLSTATE for `lock_timeout` (lock_not_available). */
const LOCK_NOT_AVAILABLE = "55P03";

/** A retry after `lock_timeout`, reported so the command can say it is waiting. */
export interface LockRetry {
  tag: string;
  attempt: number;
  of: number;
  delayMs: number;
  /** Whether the migration was rolled back before the retry (one transaction) or only the statement is retried. */
  transaction: boolean;
}

/** How one migration went. */
export interface AppliedMigration {
  tag: string;
  durationMs: number;
  /** The most attempts one lock wait needed: 1 when nothing was retried. */
  attempts: number;
  transaction: boolean;
}

/** What applying needs besides the migration. */
export interface ApplyContext {
  session: RunnerSession;
  /** Run statement by statement: the directive, or declared as managing its own transactions. */
  autocommit: boolean;
  /** The bookkeeping row's `name` (Drizzle Kit 1.0's migrator decides by it), when the table has one. */
  name?: string;
  onRetry?: (retry: LockRetry) => void;
  /** Aborted on SIGINT/SIGTERM: the migration stops before its next statement. */
  signal?: AbortSignal;
}

class StatementFailure {
  constructor(
    readonly statement: ReviewStatement,
    readonly error: unknown,
  ) {}
}

/** The database's error behind a statement's failure. */
function failureCause(error: unknown): unknown {
  return error instanceof StatementFailure ? error.error : error;
}

/** Applies one parsed migration; throws a `RunnerError` that says what stays applied. */
export async function applyMigration(
  driver: Driver,
  migration: Migration,
  parsed: ParsedMigration,
  context: ApplyContext,
): Promise<AppliedMigration> {
  const started = performance.now();
  const { autocommit } = context;
  const session = context.session.options;
  const statements = parsed.statements;
  const progress: MigrationProgress = { transaction: !autocommit, applied: 0, total: statements.length };
  const of = session.lockRetries + 1;
  let attempts = 0;
  let committing = false;
  /** Statement by statement: whether a `BEGIN` of the migration's own is open… */
  let inOwnTransaction = false;
  /** …and how many statements had committed when it began. */
  let appliedBeforeOwnTransaction = 0;
  // A migration's own transaction that did not reach its COMMIT is rolled back, so the session is
  // usable (and the run's lock released) after the failure, and none of its statements is counted.
  const abandonOwnTransaction = async () => {
    if (!inOwnTransaction) return;
    inOwnTransaction = false;
    progress.applied = appliedBeforeOwnTransaction;
    await driver.exec("ROLLBACK").catch(() => undefined);
  };

  /** Where a `session-moved` happened: this migration, as far as it got. */
  const here = { tag: migration.tag, file: migration.file, progress };
  const timeouts = [String(Math.trunc(session.lockTimeoutMs)), String(Math.trunc(session.statementTimeoutMs))];
  /** Statement by statement: whether a statement of the migration set lock_timeout or statement_timeout itself. */
  let ownTimeouts = false;
  /** Throws `lock-lost` unless `locked` (the run's session still holds the migrator's lock). */
  const stillLocked = (locked: boolean | undefined) => {
    if (locked === true) return;
    throw new RunnerError({
      kind: "lock-lost",
      tag: migration.tag,
      file: migration.file,
      progress: { ...progress },
      backendPid: context.session.backendPid,
      lockKey: MIGRATOR_LOCK_KEY,
    });
  };
  /**
   * Statement by statement, before each statement (one transaction of its own, which a
   * transaction-mode pooler may put on any server connection): the run's server process, still
   * holding the migrator's lock, with the runner's timeouts set again (a `RESET ALL` that another
   * client ran on this connection must not lift them), unless the migration set its own.
   */
  const onRunSession = async () => {
    const [row] = await driver.query<{ pid: number; locked: boolean }>(
      `SELECT pg_backend_pid() AS pid, ${MIGRATOR_LOCK_HELD_SQL} AS locked` +
        (ownTimeouts ? "" : ", set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)"),
      ownTimeouts ? [] : timeouts,
    );
    sameSession(context.session, row!.pid, here);
    stillLocked(row!.locked);
  };

  const runStatement = async (statement: ReviewStatement) => {
    // Let a pending SIGINT/SIGTERM handler run: PGlite answers in microtasks, which would otherwise
    // run the whole migration before the signal is seen.
    await new Promise((resolve) => setImmediate(resolve));
    if (context.signal?.aborted) {
      await abandonOwnTransaction();
      throw interrupted(context.signal, migration, statement, progress);
    }
    // Statement by statement each one is a transaction of its own: check each is on the run's session.
    // Not inside a transaction the migration opened (checked at its BEGIN): a pooler keeps a
    // transaction on one server, and its first statement may have to be SET TRANSACTION.
    if (autocommit && !inOwnTransaction) await onRunSession();
    try {
      await driver.exec(statement.sql);
    } catch (error) {
      throw new StatementFailure(statement, error);
    }
    if (setsTimeouts(statement)) ownTimeouts = true;
    const opened = !inOwnTransaction;
    inOwnTransaction = inOwnTransactionAfter(statement, inOwnTransaction);
    if (inOwnTransaction && opened) appliedBeforeOwnTransaction = progress.applied;
    // COMMIT AND CHAIN: everything up to it is committed; the chained transaction holds only what follows.
    else if (inOwnTransaction && commitsAndChains(statement)) appliedBeforeOwnTransaction = progress.applied + 1;
  };
  const withRetries = async (work: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      // Each statement of a no-transaction migration has its own retries: count the most any took.
      attempts = Math.max(attempts, attempt);
      try {
        return await work();
      } catch (error) {
        const failure = error instanceof StatementFailure ? error : undefined;
        const code = failure && databaseErrorFields(failure.error).code;
        // Inside the migration's own transaction the failure aborted it: retrying one statement cannot help.
        // Nor is a statement that commits inside itself retried: its committed batches would run twice.
        if (
          code !== LOCK_NOT_AVAILABLE ||
          attempt >= of ||
          context.signal?.aborted ||
          inOwnTransaction ||
          (autocommit && failure && commitsWithin(failure.statement))
        )
          throw error;
        const delayMs = retryDelay(session, attempt);
        context.onRetry?.({ tag: migration.tag, attempt, of, delayMs, transaction: !autocommit });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };

  const cancel = () => void driver.cancel?.().catch(() => undefined);
  context.signal?.addEventListener("abort", cancel);
  try {
    if (autocommit) {
      try {
        for (const statement of statements) {
          const indexes = concurrentIndexes(statement);
          const targets = concurrentTargets(statement);
          /** The INVALID indexes on the statement's tables before its first attempt: not its own. */
          let before: Map<string, string> | undefined;
          await withRetries(async () => {
            // A concurrent build that failed (here, or in an earlier run) leaves an INVALID index that
            // `IF NOT EXISTS` would then skip: drop it first, so the build starts over.
            for (const index of indexes) {
              await dropInvalidIndex(driver, index).catch((error: unknown) => {
                throw new StatementFailure(statement, error);
              });
            }
            if (targets.length > 0) before ??= await invalidIndexesOn(driver, targets);
            try {
              await runStatement(statement);
              // An earlier attempt's leftover the runner could not drop then (a retry may have since).
              if (before && progress.invalidIndexes) {
                const now = await invalidIndexesOn(driver, targets);
                const stays = progress.invalidIndexes.filter((index) => now.has(index));
                if (stays.length > 0) progress.invalidIndexes = stays;
                else delete progress.invalidIndexes;
              }
            } catch (error) {
              // What a failed concurrent build or rebuild left (an unnamed one's `t_v_idx`, a
              // REINDEX's `…_ccnew`) is dropped, so neither a retry nor the app finds it; what cannot
              // be dropped is named in what stays.
              if (before && !(error instanceof RunnerError) && !isConnectionLost(failureCause(error))) {
                const stays = await dropLeftoverIndexes(driver, targets, before).catch(() => undefined);
                if (stays) progress.invalidIndexes = stays;
              }
              throw error;
            }
          });
          progress.applied++;
        }
      } catch (error) {
        await abandonOwnTransaction();
        if (error instanceof StatementFailure && commitsWithin(error.statement))
          progress.partlyCommitted = error.statement.index;
        throw error;
      }
      const invalid = [
        ...new Set([
          ...(await invalidIndexes(driver, statements.flatMap(concurrentIndexes))),
          ...(progress.invalidIndexes ?? []),
        ]),
      ];
      if (invalid.length > 0) {
        throw new RunnerError({
          kind: "invalid-index",
          tag: migration.tag,
          file: migration.file,
          indexes: invalid,
          progress,
        });
      }
      if (!(await outsideTransaction(driver))) {
        await driver.exec("ROLLBACK").catch(() => undefined);
        throw new RunnerError({ kind: "transaction-ended", tag: migration.tag, file: migration.file, progress });
      }
      // The row in a transaction of its own, on the run's session and only while it holds the lock:
      // a run that lost it may be applying this migration next to another run.
      ownTimeouts = true; // the row is written with the runner's settings (record sets them)
      await record(driver, migration, context, progress, onRunSession);
    } else {
      await withRetries(async () => {
        await driver.exec("BEGIN");
        try {
          // The runner's timeouts for this transaction (SET LOCAL), whatever the session was left
          // with: a pooler may have run another client's `RESET ALL` on this server connection.
          const [first] = await driver.query<{ xid: string; pid: number; locked: boolean }>(
            `SELECT txid_current()::text AS xid, pg_backend_pid() AS pid, ${MIGRATOR_LOCK_HELD_SQL} AS locked,
                    set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`,
            timeouts,
          );
          sameSession(context.session, first!.pid, here);
          stillLocked(first!.locked);
          for (const statement of statements) await runStatement(statement);
          const [last] = await driver.query<{ xid: string; locked: boolean }>(
            `SELECT txid_current()::text AS xid, ${MIGRATOR_LOCK_HELD_SQL} AS locked`,
          );
          if (last?.xid !== first?.xid) {
            throw new RunnerError({ kind: "transaction-ended", tag: migration.tag, file: migration.file, progress });
          }
          stillLocked(last?.locked);
          await record(driver, migration, context, progress);
          committing = true;
          // A deferred constraint or trigger is checked here: a refusal rolls the migration back.
          await driver.exec("COMMIT").catch((error: unknown) => {
            if (isConnectionLost(error)) throw error;
            const database = databaseErrorFields(error);
            throw new RunnerError({
              kind: "commit-failed",
              tag: migration.tag,
              file: migration.file,
              progress: { ...progress },
              database,
            });
          });
        } catch (error) {
          if (!committing) {
            // Rolled back only if the transaction is still the runner's: a COMMIT the runner could
            // not see (run by the server, not by the parser it reads with) made what came before it
            // permanent, and the failing statement ran outside any transaction.
            if (
              error instanceof StatementFailure &&
              !isConnectionLost(error.error) &&
              (await outsideTransaction(driver).catch(() => false))
            ) {
              throw new RunnerError({
                kind: "transaction-ended",
                tag: migration.tag,
                file: migration.file,
                progress,
                at: location(migration, error.statement),
                detail: databaseErrorFields(error.error).message,
              });
            }
            await driver.exec("ROLLBACK").catch(() => undefined);
          }
          throw error;
        }
      });
      progress.applied = statements.length;
    }
  } catch (error) {
    throw toRunnerError(migration, error, { attempts, session, progress, committing, signal: context.signal });
  } finally {
    context.signal?.removeEventListener("abort", cancel);
  }
  return {
    tag: migration.tag,
    durationMs: Math.round(performance.now() - started),
    attempts,
    transaction: !autocommit,
  };
}

/**
 * Writes the migration's bookkeeping row as the runner, with the runner's settings, whatever
 * session user, role, `lock_timeout` or `default_transaction_read_only` the migration set for
 * itself. A row the database still refuses is a `record-failed` naming the migration and what of
 * it stays (every statement, when it ran statement by statement).
 */
async function record(
  driver: Driver,
  migration: Migration,
  context: ApplyContext,
  progress: MigrationProgress,
  /** Statement by statement: the row gets a transaction of its own, which this checks first (session, lock). */
  check?: () => Promise<void>,
): Promise<void> {
  try {
    await driver.exec(asRunnerSql(context.session));
    if (!check) return await recordMigration(driver, migration, context.name);
    await driver.exec("BEGIN");
    try {
      await check();
      await recordMigration(driver, migration, context.name);
      await driver.exec("COMMIT");
    } catch (error) {
      await driver.exec("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (error instanceof RunnerError || isConnectionLost(error) || context.signal?.aborted) throw error;
    throw new RunnerError({
      kind: "record-failed",
      tag: migration.tag,
      file: migration.file,
      progress: { ...progress },
      database: databaseErrorFields(error),
    });
  }
}

/**
 * Whether the session is outside any transaction block: `SAVEPOINT` is refused there (25P01) and
 * accepted inside one (or refused with another code inside a failed one).
 */
async function outsideTransaction(driver: Driver): Promise<boolean> {
  try {
    await driver.exec("SAVEPOINT migrator_transaction_probe");
  } catch (error) {
    return databaseErrorFields(error).code === "25P01";
  }
  await driver.exec("RELEASE SAVEPOINT migrator_transaction_probe");
  return false;
}

function location(migration: Migration, statement: ReviewStatement): StatementLocation {
  return {
    tag: migration.tag,
    file: migration.file,
    statement: statement.index,
    // Where its code starts, past the comments above it: the line its first line of code is on.
    line: statement.position.line,
    firstLine: firstCodeLine(statement.sql),
  };
}

function interrupted(
  signal: AbortSignal,
  migration: Migration,
  statement: ReviewStatement,
  progress: MigrationProgress,
) {
  return new RunnerError({
    kind: "interrupted",
    signal: interruptingSignal(signal),
    tag: migration.tag,
    at: location(migration, statement),
    progress: { ...progress },
  });
}

function toRunnerError(
  migration: Migration,
  error: unknown,
  state: {
    attempts: number;
    session: SessionOptions;
    progress: MigrationProgress;
    committing: boolean;
    signal?: AbortSignal;
  },
): Error {
  if (error instanceof RunnerError) return error;
  const failure = error instanceof StatementFailure ? error : undefined;
  const cause = failure ? failure.error : error;
  const at = failure && location(migration, failure.statement);
  const { progress } = state;
  if (state.signal?.aborted && at) return interrupted(state.signal, migration, failure.statement, progress);
  // Cancelled outside the migration's statements (writing its row): named all the same, with what
  // stays. Not during COMMIT, whose outcome the server decides.
  if (state.signal?.aborted && !state.committing && !isConnectionLost(cause)) {
    return new RunnerError({
      kind: "interrupted",
      signal: interruptingSignal(state.signal),
      tag: migration.tag,
      progress: { ...progress },
    });
  }
  if (isConnectionLost(cause)) {
    return new RunnerError({
      kind: "connection-lost",
      tag: migration.tag,
      ...(at ? { at } : {}),
      progress,
      duringCommit: state.committing,
      detail: databaseErrorFields(cause).message,
    });
  }
  if (!failure || !at) return cause instanceof Error ? cause : new Error(String(cause));
  const fields = databaseErrorFields(cause);
  if (fields.position !== undefined) {
    // PostgreSQL's position is 1-based and counts characters.
    const before = failure.statement.sql.slice(0, codePointsToCharOffset(failure.statement.sql, fields.position - 1));
    // The position counts from the start of the SQL sent, comments above the code included.
    at.errorLine = failure.statement.line + countLineBreaks(before);
  }
  if (fields.code === LOCK_NOT_AVAILABLE) {
    return new RunnerError({
      kind: "lock-timeout",
      at,
      progress,
      attempts: state.attempts,
      lockTimeoutMs: state.session.lockTimeoutMs,
      database: fields,
    });
  }
  const missingExtension = missingExtensionName(fields.message);
  return new RunnerError({
    kind: "migration-failed",
    at,
    progress,
    database: fields,
    ...(missingExtension ? { missingExtension } : {}),
  });
}

/** The extension a `CREATE EXTENSION` could not find (PostgreSQL 15 and 16+ word it differently). */
function missingExtensionName(message: string): string | undefined {
  return (
    /extension "([^"]+)" is not available/.exec(message)?.[1] ??
    /could not open extension control file "[^"]*\/([^/"]+)\.control"/.exec(message)?.[1]
  );
}
