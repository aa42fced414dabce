import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { MigrationProgress } from "../errors/runner-problem.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { errorMessage } from "../errors/error-message.ts";

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

/** PostgreSQL's largest timeout, in ms (an int). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Each option's range, in whole numbers: the same for the command line and for a library caller. */
export const SESSION_OPTION_RANGES: Readonly<Record<keyof SessionOptions, { min: number; max: number; unit: string }>> =
  {
    lockTimeoutMs: { min: 1, max: MAX_TIMEOUT_MS, unit: "milliseconds" },
    statementTimeoutMs: { min: 0, max: MAX_TIMEOUT_MS, unit: "milliseconds" },
    lockRetries: { min: 0, max: 100, unit: "retries" },
    retryDelayMs: { min: 0, max: 3_600_000, unit: "milliseconds" },
    waitTimeoutMs: { min: 0, max: MAX_TIMEOUT_MS, unit: "milliseconds" },
  };

/** What an option must be, for a message: "a whole number of milliseconds from 1 to 2147483647". */
function expectedValue(key: keyof SessionOptions): string {
  const { min, max, unit } = SESSION_OPTION_RANGES[key];
  return `a whole number of ${unit} from ${min} to ${max}`;
}

/**
 * The defaults with the options that are set (undefined ones keep their default). A value out of
 * its range, a fraction, NaN or a string is refused (`invalid-option`) before anything runs, as the
 * command line refuses it: `lockTimeoutMs: 0.5` would otherwise become `lock_timeout = 0`, an
 * unbounded wait, and a NaN `waitTimeoutMs` a wait for the lock that never ends.
 */
export function resolveSessionOptions(options: Partial<SessionOptions>): SessionOptions {
  const resolved = { ...DEFAULT_SESSION_OPTIONS };
  for (const key of Object.keys(SESSION_OPTION_RANGES) as (keyof SessionOptions)[]) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const { min, max } = SESSION_OPTION_RANGES[key];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new RunnerError({
        kind: "invalid-option",
        option: key,
        value: String(value),
        expected: expectedValue(key),
      });
    }
    resolved[key] = value;
  }
  return resolved;
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

/** The session as the runner set it up: its options, and the user it logged in as. */
export interface RunnerSession {
  options: SessionOptions;
  /**
   * `session_user` when the run began. A migration's `SET SESSION AUTHORIZATION` is undone by
   * setting it back by name: on PGlite (single-user mode) `RESET SESSION AUTHORIZATION`, and even a
   * ROLLBACK, leave the session as the user the migration chose.
   */
  sessionUser: string;
  /**
   * `current_setting('role')` when the run began (`none` unless the caller, the connection's
   * `-c role=…` or `ALTER ROLE … SET role` set one): every migration runs, and every row is
   * written, as the run began, not only the first.
   */
  role: string;
  /**
   * The server process (`pg_backend_pid()`) the timeouts were set on. The advisory lock and every
   * migration's transaction must be on it too: behind a pooler in transaction mode they need not be.
   */
  backendPid: number;
  /** Whether the server took `client_connection_check_interval` when the run began (set again with the rest). */
  connectionCheck: boolean;
}

/**
 * Sets the session's timeouts and reads who the runner is (one round trip). On a server it also
 * sets `client_connection_check_interval`, so a run that is killed mid-statement is noticed by the
 * server within a second and its transaction and advisory lock are released (the database stays
 * at a migration boundary). Returns warnings for what could not be set.
 */
export async function configureSession(
  driver: Driver,
  options: SessionOptions,
): Promise<{ session: RunnerSession; warnings: string[] }> {
  const [row] = await driver.query<{ who: string; role: string; pid: number }>(
    `SELECT session_user::text AS who, current_setting('role') AS role, pg_backend_pid() AS pid,
            set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false),
            set_config('standard_conforming_strings', 'on', false)`,
    [String(Math.trunc(options.lockTimeoutMs)), String(Math.trunc(options.statementTimeoutMs))],
  );
  const warnings = await connectionCheck(driver);
  const session = {
    options,
    sessionUser: row!.who,
    role: row!.role,
    backendPid: row!.pid,
    connectionCheck: driver.dialect === "postgres" && warnings.length === 0,
  };
  return { session, warnings };
}

/**
 * Throws `session-moved` when `pid` (the server process a query of the run just ran on) is not the
 * one the run set up: the connection goes through a pooler that hands each transaction any server
 * connection, where the run's lock and timeouts do not hold. `migration` names where it happened.
 */
export function sameSession(
  session: RunnerSession,
  pid: number,
  migration?: { tag: string; file: string; progress: MigrationProgress },
): void {
  if (pid === session.backendPid) return;
  throw new RunnerError({
    kind: "session-moved",
    lockHolderPid: session.backendPid,
    backendPid: pid,
    ...(migration ? { tag: migration.tag, file: migration.file, progress: { ...migration.progress } } : {}),
  });
}

/** How often the server checks that the runner's connection is still there while a statement runs. */
const CONNECTION_CHECK_MS = 1000;

/** Sets `client_connection_check_interval` on a server; a warning when it cannot be set. */
async function connectionCheck(driver: Driver): Promise<string[]> {
  if (driver.dialect !== "postgres") return [];
  try {
    await driver.exec(`SET client_connection_check_interval = ${CONNECTION_CHECK_MS}`);
    return [];
  } catch (error) {
    return [
      `could not set client_connection_check_interval (${errorMessage(error)}): ` +
        "if this run is killed during a long statement, the server keeps its transaction and locks until that statement ends",
    ];
  }
}

/**
 * Puts the session back as the runner set it up, after each migration: a migration's `SET`
 * (search_path, lock_timeout, a role, the session user), its temporary tables, its cursors WITH
 * HOLD and its custom settings must not reach the next migration. The advisory lock stays (it is not a setting).
 */
export async function resetSession(driver: Driver, session: RunnerSession): Promise<void> {
  // One round trip after every migration (it was seven).
  // Not UNLISTEN *: a LISTEN left behind only queues notifications, and on a PGlite the app shares
  // (its live queries listen) it would end the app's. Nor DEALLOCATE ALL, which would drop a
  // driver's own prepared statements.
  await driver.exec(`${asRunnerSql(session)}; DISCARD TEMP; CLOSE ALL`);
}

/**
 * The statements that make the session the runner's again, as one simple query (one round trip;
 * several statements in one query run as one implicit transaction, or inside the migration's own):
 * every setting back to its default (`RESET ALL` leaves the role and the session user alone, hence
 * the two after it: the session user first, since setting it also drops the role, then the role the
 * run began with), then the runner's `lock_timeout`, `statement_timeout`,
 * `standard_conforming_strings = on` (the SQL is read as PostgreSQL's parser reads it, whatever
 * `ALTER DATABASE` or `ALTER ROLE` made the default) and, where the server took it when the run
 * began, `client_connection_check_interval`.
 */
export function asRunnerSql(session: RunnerSession): string {
  const { options, sessionUser, role } = session;
  return (
    `RESET ALL; SET SESSION AUTHORIZATION ${quoteIdent(sessionUser)}; ` +
    `SET ROLE ${role === "none" ? "NONE" : quoteIdent(role)}; ` +
    `SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}; SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}; ` +
    "SET standard_conforming_strings = on" +
    (session.connectionCheck ? `; SET client_connection_check_interval = ${CONNECTION_CHECK_MS}` : "")
  );
}
