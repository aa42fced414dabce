import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";

/**
 * The advisory lock key every run takes (session level) before reading the history: the ASCII
 * bytes of "migrator" as a bigint, 0x6D69677261746F72. Two runs on one database never overlap.
 */
export const MIGRATOR_LOCK_KEY = "7883946363647717234";

/**
 * A boolean SQL expression: whether the session running it holds the migrator's lock, as `pg_locks`
 * shows it (a bigint key is its high and low 32 bits in `classid` and `objid`, `objsubid` 1).
 * `DISCARD ALL`, `pg_advisory_unlock_all()` or `pg_advisory_unlock(key)` release it, from a
 * migration or from another client a transaction-mode pooler put on the run's server connection;
 * the runner then stops before recording anything more (`lock-lost`).
 */
export const MIGRATOR_LOCK_HELD_SQL =
  "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted" +
  ` AND classid = (${MIGRATOR_LOCK_KEY}::bigint >> 32)::oid AND objid = (${MIGRATOR_LOCK_KEY}::bigint & 4294967295)::oid` +
  " AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))";

/**
 * Waits for the migrator's advisory lock, polling `pg_try_advisory_lock` (so `lock_timeout` does
 * not apply to waiting for another run). Throws `runner-busy` after `waitTimeoutMs`, and
 * `interrupted` (nothing applied) as soon as `signal` is aborted.
 */
async function acquireMigratorLock(driver: Driver, waitTimeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) {
      throw new RunnerError({
        kind: "interrupted",
        signal: typeof signal.reason === "string" ? signal.reason : "SIGINT",
        applied: [],
      });
    }
    const [row] = await driver.query<{ locked: boolean; pid: number }>(
      "SELECT pg_try_advisory_lock($1::bigint) AS locked, pg_backend_pid() AS pid",
      [MIGRATOR_LOCK_KEY],
    );
    if (row?.locked) return row.pid;
    const waited = Date.now() - started;
    if (waited >= waitTimeoutMs)
      throw new RunnerError({ kind: "runner-busy", waitedMs: waited, lockKey: MIGRATOR_LOCK_KEY });
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(200, waitTimeoutMs - waited));
      signal?.addEventListener("abort", done);
    });
  }
}

/** Releases the lock taken by {@link acquireMigratorLock}. */
async function releaseMigratorLock(driver: Driver): Promise<void> {
  await driver.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATOR_LOCK_KEY]);
}

/**
 * Runs `fn` while holding the migrator's lock; `fn` gets the server process that holds it
 * (`pg_backend_pid()`). An aborted `signal` stops the wait for the lock.
 */
export async function withMigratorLock<T>(
  driver: Driver,
  waitTimeoutMs: number,
  signal: AbortSignal | undefined,
  fn: (holderPid: number) => Promise<T>,
): Promise<T> {
  const holderPid = await acquireMigratorLock(driver, waitTimeoutMs, signal);
  try {
    return await fn(holderPid);
  } finally {
    await releaseMigratorLock(driver).catch(() => undefined);
  }
}
