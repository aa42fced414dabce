import { type Command, Option } from "commander";
import type { Driver } from "../drivers/driver.ts";
import { ConnectionError } from "../drivers/postgres.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import type { MigratorProblem } from "../errors/migrator-problem.ts";
import type { SessionOptions } from "../runner/session-options.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";

/** What a project passes to the generic commands: its migrations folder and how to connect. */
export interface CommandDefaults {
  /** The default for `--migrations`. */
  migrationsFolder: string;
  /** Opens one session on the project's database (e.g. from `DATABASE_URL`). */
  openDriver: () => Promise<Driver>;
}

/** Options every command takes. */
export interface CommonFlags {
  migrations: string;
  json?: boolean;
}

/** Adds `--migrations` and `--json`. */
export function addCommonOptions(command: Command, defaults: CommandDefaults): Command {
  return command
    .option("--migrations <dir>", "the Drizzle Kit migrations folder", defaults.migrationsFolder)
    .option("--json", "print one JSON object (for CI) instead of text");
}

const SESSION_FLAGS: { key: keyof SessionOptions; flag: string; env: string; help: string }[] = [
  {
    key: "lockTimeoutMs",
    flag: "--lock-timeout <ms>",
    env: "MIGRATE_LOCK_TIMEOUT",
    help: "lock_timeout per statement, ms (default 5000)",
  },
  {
    key: "statementTimeoutMs",
    flag: "--statement-timeout <ms>",
    env: "MIGRATE_STATEMENT_TIMEOUT",
    help: "statement_timeout, ms, 0 = none (default 0)",
  },
  {
    key: "lockRetries",
    flag: "--lock-retries <n>",
    env: "MIGRATE_LOCK_RETRIES",
    help: "retries after a lock_timeout (default 3)",
  },
  {
    key: "retryDelayMs",
    flag: "--retry-delay <ms>",
    env: "MIGRATE_RETRY_DELAY",
    help: "first retry delay, doubling, ms (default 1000)",
  },
  {
    key: "waitTimeoutMs",
    flag: "--wait-timeout <ms>",
    env: "MIGRATE_WAIT_TIMEOUT",
    help: "how long to wait for another run, ms (default 600000)",
  },
];

/** Adds the session knobs (flags, with environment variables as fallback). */
export function addSessionOptions(command: Command): Command {
  for (const f of SESSION_FLAGS) command.addOption(new Option(f.flag, f.help).env(f.env));
  return command;
}

/** Reads the session knobs commander parsed; throws `invalid-option` for a non-integer. */
export function sessionOptionsFrom(flags: Record<string, unknown>): Partial<SessionOptions> {
  const options: Partial<SessionOptions> = {};
  for (const f of SESSION_FLAGS) {
    const name = f.flag.slice(2, f.flag.indexOf(" ")).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const raw = flags[name];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      throw new MigratorError({
        kind: "invalid-option",
        option: `${f.flag.split(" ")[0]} / ${f.env}`,
        value: String(raw),
        expected: "a whole number ≥ 0",
      });
    }
    options[f.key] = value;
  }
  return options;
}

/** Opens the session, turning connection failures into `connection-failed` problems. */
async function openSession(defaults: CommandDefaults): Promise<Driver> {
  try {
    return await defaults.openDriver();
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    const reason: Extract<MigratorProblem, { kind: "connection-failed" }>["reason"] =
      error.code === "28P01" || error.code === "28000"
        ? "authentication"
        : error.code === "3D000"
          ? "no-database"
          : ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN"].includes(error.code ?? "") ||
              /timeout/i.test(error.message)
            ? "unreachable"
            : "other";
    throw new MigratorError({
      kind: "connection-failed",
      target: error.target,
      reason,
      detail: error.message,
      ...(error.code ? { code: error.code } : {}),
    });
  }
}

/**
 * Runs a command's action: the only place that prints errors and sets the exit code. The action
 * returns its exit code; a `MigratorError` is printed (text or JSON) with its own exit code.
 */
export async function runAction(json: boolean | undefined, action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    if (error instanceof MigratorError) {
      if (json) console.log(JSON.stringify({ ok: false, error: error.toJSON() }, null, 2));
      else console.error(`error: ${error.message}\nfix: ${error.fix}`);
      process.exitCode = exitCodeFor(error.problem);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (json) console.log(JSON.stringify({ ok: false, error: { kind: "unexpected", message } }, null, 2));
    else console.error(`error: ${message}`);
    process.exitCode = EXIT.failed;
  }
}

/** Opens a session, runs `fn`, and always closes the session. */
export async function withSession<T>(defaults: CommandDefaults, fn: (driver: Driver) => Promise<T>): Promise<T> {
  const driver = await openSession(defaults);
  try {
    return await fn(driver);
  } finally {
    await driver.close().catch(() => undefined);
  }
}
