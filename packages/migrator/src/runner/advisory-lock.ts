import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import { interruptingSignal } from "../runtime/interrupting-signal.ts";

/**
 * The advisory lock key every run takes (session level) before reading the history: the ASCII
 * bytes of "migrator" as a bigint, 0x6D69677261746F72. Two runs on one database never overlap.
 */
export const MIGRATOR_LOCK_KEY = "7883946363647717234";

/**
 * A boolean SQL expression: whether the session running it holds the session-level advisory lock
 * of the bigint `key`, as `pg_locks` shows it (its high and low 32 bits in `classid` and `objid`,
 * `objsubid` 1).
 */
function advisoryLockHeldSql(key: string): string {
  return (
    "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted" +
    ` AND classid = (${key}::bigint >> 32)::oid AND objid = (${key}::bigint & 4294967295)::oid` +
    " AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
  );
}

/**
 * Whether the session running it holds the migrator's lock ({@link advisoryLockHeldSql}).
 * `DISCARD ALL`, `pg_advisory_unlock_all()` or `pg_advisory_unlock(key)` release it, from a
 * migration or from another client a transaction-mode pooler put on the run's server connection;
 * the runner then stops before recording anything more (`lock-lost`).
 */
export const MIGRATOR_LOCK_HELD_SQL = advisoryLockHeldSql(MIGRATOR_LOCK_KEY);

/**
 * A SQL expression that takes the session-level advisory lock of the bigint `key` (true), or
 * finds it taken (false), as `pg_try_advisory_lock` does, except that it does not take it again
 * for a session that already holds it: then it is false too. PostgreSQL counts a session's locks
 * (a second `pg_try_advisory_lock` succeeds), and the session holding it may be another run's: a
 * transaction-mode pooler hands a run's server connection to the next client between its
 * transactions, and two runs sharing one connection (one driver) are one session. Either would
 * then run beside the holder.
 */
export function tryAdvisoryLockSql(key: string): string {
  // CASE, not AND: PostgreSQL may evaluate an AND's operands in any order, and a lock taken twice is released once.
  return `(CASE WHEN ${advisoryLockHeldSql(key)} THEN false ELSE pg_try_advisory_lock(${key}::bigint) END)`;
}

/** A wait in words: `60 s`, or `500 ms` under a second. */
const waitFor = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

/** What a command says, once, before it waits for another run's migrator lock. */
export function lockWaitMessage(waitTimeoutMs: number): string {
  return `another run holds the migrator's lock on this database (key ${MIGRATOR_LOCK_KEY}): waiting up to ${waitFor(waitTimeoutMs)} for it to finish (--wait-timeout, MIGRATE_WAIT_TIMEOUT)`;
}

/** How often a wait for an advisory lock asks again. */
const POLL_MS = 200;

/**
 * Polls `tryLock` (a `pg_try_advisory_lock`, so `lock_timeout` does not apply to waiting for
 * another run) until it takes the lock (`locked`), `signal` is aborted (`interrupted`, at once,
 * not at the next poll) or `waitTimeoutMs` has passed (`timed-out`; never, without one). `onWait`
 * hears once, before the first wait, that the lock is taken by someone else. The migrator's lock
 * and db:seed's wait this way.
 */
export async function waitForAdvisoryLock(
  tryLock: () => Promise<boolean>,
  options: { waitTimeoutMs?: number; signal?: AbortSignal; onWait?: () => void } = {},
): Promise<{ outcome: "locked" | "interrupted" | "timed-out"; waitedMs: number }> {
  const { signal, waitTimeoutMs = Number.POSITIVE_INFINITY } = options;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) return { outcome: "interrupted", waitedMs: Date.now() - started };
    if (await tryLock()) return { outcome: "locked", waitedMs: Date.now() - started };
    const waited = Date.now() - started;
    if (waited >= waitTimeoutMs) return { outcome: "timed-out", waitedMs: waited };
    if (attempt === 0) options.onWait?.();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(POLL_MS, waitTimeoutMs - waited));
      signal?.addEventListener("abort", done);
    });
  }
}

/**
 * Waits for the migrator's advisory lock ({@link waitForAdvisoryLock}). Throws `runner-busy` after
 * `waitTimeoutMs`, and `interrupted` (nothing applied) as soon as `signal` is aborted.
 */
async function acquireMigratorLock(
  driver: Driver,
  waitTimeoutMs: number,
  signal?: AbortSignal,
  onWait?: () => void,
): Promise<number> {
  let pid = 0;
  const wait = await waitForAdvisoryLock(
    async () => {
      const [row] = await driver.query<{ locked: boolean; pid: number }>(
        `SELECT ${tryAdvisoryLockSql(MIGRATOR_LOCK_KEY)} AS locked, pg_backend_pid() AS pid`,
      );
      pid = row?.pid ?? 0;
      return row?.locked === true;
    },
    { waitTimeoutMs, ...(signal ? { signal } : {}), ...(onWait ? { onWait } : {}) },
  );
  if (wait.outcome === "locked") return pid;
  if (wait.outcome === "interrupted" && signal)
    throw new RunnerError({ kind: "interrupted", signal: interruptingSignal(signal), applied: [] });
  throw new RunnerError({ kind: "runner-busy", waitedMs: wait.waitedMs, lockKey: MIGRATOR_LOCK_KEY });
}

/** Releases the lock taken by {@link acquireMigratorLock}. */
async function releaseMigratorLock(driver: Driver): Promise<void> {
  await driver.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATOR_LOCK_KEY]);
}

/**
 * Runs `fn` while holding the migrator's lock; `fn` gets the server process that holds it
 * (`pg_backend_pid()`). An aborted `signal` stops the wait for the lock; `onWait` hears once that
 * another run holds it, before the wait.
 */
export async function withMigratorLock<T>(
  driver: Driver,
  waitTimeoutMs: number,
  signal: AbortSignal | undefined,
  fn: (holderPid: number) => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  const holderPid = await acquireMigratorLock(driver, waitTimeoutMs, signal, onWait);
  try {
    return await fn(holderPid);
  } finally {
    await releaseMigratorLock(driver).catch(() => undefined);
  }
}

/**
 * Runs `fn` inside one transaction that holds the migrator's lock at transaction level
 * (`pg_try_advisory_xact_lock`, polled like {@link withMigratorLock}), with `lock_timeout` and
 * `statement_timeout` set for it: COMMIT when `fn` returns, ROLLBACK when it throws. For work that
 * fits in one transaction (db:accept-hash): the lock ends with the transaction, so a
 * transaction-mode pooler, which keeps a transaction on one server connection, can neither move the
 * work off the lock nor leave the lock behind on a connection another client then gets.
 */
export async function inMigratorLockedTransaction<T>(
  driver: Driver,
  options: { waitTimeoutMs: number; lockTimeoutMs: number; statementTimeoutMs: number; onWait?: () => void },
  fn: () => Promise<T>,
): Promise<T> {
  const wait = await waitForAdvisoryLock(
    async () => {
      await driver.exec("BEGIN");
      try {
        const [row] = await driver.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_xact_lock($1::bigint) AS locked, set_config('lock_timeout', $2, true), set_config('statement_timeout', $3, true)",
          [
            MIGRATOR_LOCK_KEY,
            String(Math.trunc(options.lockTimeoutMs)),
            String(Math.trunc(options.statementTimeoutMs)),
          ],
        );
        if (row?.locked === true) return true;
      } catch (error) {
        await driver.exec("ROLLBACK").catch(() => undefined);
        throw error;
      }
      await driver.exec("ROLLBACK");
      return false;
    },
    { waitTimeoutMs: options.waitTimeoutMs, ...(options.onWait ? { onWait: options.onWait } : {}) },
  );
  if (wait.outcome !== "locked")
    throw new RunnerError({ kind: "runner-busy", waitedMs: wait.waitedMs, lockKey: MIGRATOR_LOCK_KEY });
  try {
    const result = await fn();
    await driver.exec("COMMIT");
    return result;
  } catch (error) {
    await driver.exec("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
