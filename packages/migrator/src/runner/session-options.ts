import type { Driver } from "../drivers/driver.ts";

/** The production knobs of a migration session. */
export interface SessionOptions {
  /** `lock_timeout` for each statement, in ms (at least 1: a deploy never waits unbounded). */
  lockTimeoutMs: number;
  /** `statement_timeout` for each statement, in ms (0 = none). */
  statementTimeoutMs: number;
  /** How many times a migration that hit `lock_timeout` is retried before failing. */
  lockRetries: number;
  /** The first retry's delay, in ms; each later one doubles (up to {@link MAX_RETRY_DELAY_MS}), with jitter. */
  retryDelayMs: number;
  /** How long to wait for another run's advisory lock, in ms. */
  waitTimeoutMs: number;
}

/**
 * Short waits by default. A DDL statement waiting for a lock makes every later query on that table
 * queue behind it (plain SELECTs included) for as long as it waits, so `lock_timeout` is the
 * longest the app can stall behind a deploy: 300 ms. A busy table is then retried, up to 10 times
 * with exponential backoff and jitter (about half a minute in all), so a deploy still gets through
 * between an app's transactions without ever holding the queue for long.
 */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  lockTimeoutMs: 300,
  statementTimeoutMs: 0,
  lockRetries: 10,
  retryDelayMs: 500,
  waitTimeoutMs: 600_000,
};

/** The longest delay between two retries. */
export const MAX_RETRY_DELAY_MS = 10_000;

/** The defaults with the options that are set (undefined ones keep their default). */
export function resolveSessionOptions(options: Partial<SessionOptions>): SessionOptions {
  const set = Object.entries(options).filter(
    ([key, value]) => key in DEFAULT_SESSION_OPTIONS && typeof value === "number",
  );
  return { ...DEFAULT_SESSION_OPTIONS, ...Object.fromEntries(set) };
}

/**
 * The delay before retry `attempt` (1-based): the doubling delay capped at {@link MAX_RETRY_DELAY_MS},
 * of which a random half is dropped ("equal jitter"), so concurrent deploys and the app's own
 * retries do not line up.
 */
export function retryDelay(options: SessionOptions, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, options.retryDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Sets the session's timeouts. On a server it also sets `client_connection_check_interval`, so a
 * run that is killed mid-statement is noticed by the server within a second and its transaction
 * and advisory lock are released (the database stays at a migration boundary). Returns warnings
 * for what could not be set.
 */
export async function configureSession(driver: Driver, options: SessionOptions): Promise<string[]> {
  await driver.exec(timeouts(options));
  return connectionCheck(driver);
}

/** Sets `client_connection_check_interval` on a server; a warning when it cannot be set. */
async function connectionCheck(driver: Driver): Promise<string[]> {
  if (driver.dialect !== "postgres") return [];
  try {
    await driver.exec("SET client_connection_check_interval = 1000");
    return [];
  } catch (error) {
    return [
      `could not set client_connection_check_interval (${error instanceof Error ? error.message : String(error)}): ` +
        "if this run is killed during a long statement, the server keeps its transaction and locks until that statement ends",
    ];
  }
}

/**
 * Puts the session back as the runner set it up, after each migration: a migration's `SET`
 * (search_path, lock_timeout, a role), its temporary tables and its custom settings must not reach
 * the next migration. `RESET ALL` leaves the role and session authorization alone, hence the rest.
 * The advisory lock stays (it is not a setting).
 */
export async function resetSession(driver: Driver, options: SessionOptions): Promise<void> {
  // One round trip after every migration, not six.
  await driver.exec(`RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION; DISCARD TEMP; ${timeouts(options)}`);
  await connectionCheck(driver); // a failure was reported when the run began
}

/**
 * The runner's `lock_timeout` and `statement_timeout`, as one simple query (one round trip; several
 * statements in one query run as one implicit transaction, so either both are set or neither).
 */
export function timeouts(options: SessionOptions): string {
  return `SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}; SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`;
}
