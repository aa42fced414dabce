import type { Driver } from "../drivers/driver.ts";

/** The production knobs of a migration session. */
export interface SessionOptions {
  /** `lock_timeout` for each statement, in ms (0 = wait forever). Default 5000. */
  lockTimeoutMs: number;
  /** `statement_timeout` for each statement, in ms (0 = none). Default 0. */
  statementTimeoutMs: number;
  /** How many times a migration that hit `lock_timeout` is retried before failing. Default 3. */
  lockRetries: number;
  /** Delay before the first retry, in ms; doubles each time. Default 1000. */
  retryDelayMs: number;
  /** How long to wait for another run's advisory lock, in ms. Default 600000 (10 minutes). */
  waitTimeoutMs: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  lockTimeoutMs: 5000,
  statementTimeoutMs: 0,
  lockRetries: 3,
  retryDelayMs: 1000,
  waitTimeoutMs: 600_000,
};

/** The defaults with the options that are set (undefined ones keep their default). */
export function resolveSessionOptions(options: Partial<SessionOptions>): SessionOptions {
  const set = Object.entries(options).filter(
    ([key, value]) => key in DEFAULT_SESSION_OPTIONS && typeof value === "number",
  );
  return { ...DEFAULT_SESSION_OPTIONS, ...Object.fromEntries(set) };
}

/**
 * Sets the session's timeouts. On a server it also sets `client_connection_check_interval`, so a
 * run that is killed mid-statement is noticed by the server within a second and its transaction
 * and advisory lock are released (the database stays at a migration boundary).
 */
export async function configureSession(driver: Driver, options: SessionOptions): Promise<void> {
  await driver.exec(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
  await driver.exec(`SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
  if (driver.dialect === "postgres") {
    await driver.exec("SET client_connection_check_interval = 1000").catch(() => undefined);
  }
}
