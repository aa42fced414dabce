/**
 * The options the commands share, parsed strictly: a numeric option is a decimal integer in its
 * range or the command stops with exit 2 naming the option (an empty `MIGRATE_LOCK_TIMEOUT=` from
 * CI templating, `1e3` or `0x10` never become a number silently).
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { RunnerError } from "../errors/runner-error.ts";
import { SESSION_OPTION_RANGES, type SessionOptions } from "../runner/session-options.ts";
import type { CommandContext } from "./command-context.ts";
import type { Project } from "./project.ts";

/** Options every command that reads the migrations folder takes. */
export interface FolderFlags {
  migrations: string;
  json?: boolean;
}

/** Adds `--migrations` (default: the project's folder) and `--json`. */
export function addFolderOptions(command: Command, project: Project): Command {
  return command
    .option(
      "--migrations <dir>",
      "the Drizzle Kit migrations folder (relative to where you run the command)",
      project.migrationsFolder,
    )
    .option("--json", "print one JSON object (for CI) instead of text");
}

/** A path from the command line, resolved against the directory the user ran the command from. */
export function userPath(context: CommandContext, path: string): string {
  return resolve(context.cwd, path);
}

/** A strict integer parser: decimal digits only, within `min`…`max`. */
export function integer(min: number, max: number, unit: string): (raw: string) => number {
  return (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number of ${unit} from ${min} to ${max}, in decimal digits`);
    }
    return value;
  };
}

/** A session knob's flag and variable, parsed in its range (`SESSION_OPTION_RANGES`). */
function sessionFlag(key: keyof SessionOptions, flag: string, env: string, help: string) {
  const { min, max, unit } = SESSION_OPTION_RANGES[key];
  return { key, flag, env, help, parse: integer(min, max, unit) };
}

const SESSION_FLAGS = [
  sessionFlag(
    "lockTimeoutMs",
    "--lock-timeout <ms>",
    "MIGRATE_LOCK_TIMEOUT",
    "lock_timeout per statement, ms, at least 1",
  ),
  sessionFlag(
    "statementTimeoutMs",
    "--statement-timeout <ms>",
    "MIGRATE_STATEMENT_TIMEOUT",
    "statement_timeout, ms, 0 = none",
  ),
  sessionFlag("lockRetries", "--lock-retries <n>", "MIGRATE_LOCK_RETRIES", "retries after a lock_timeout"),
  sessionFlag(
    "retryDelayMs",
    "--retry-delay <ms>",
    "MIGRATE_RETRY_DELAY",
    "delay before the first retry, ms (then doubling, with jitter)",
  ),
  sessionFlag(
    "waitTimeoutMs",
    "--wait-timeout <ms>",
    "MIGRATE_WAIT_TIMEOUT",
    "how long to wait for another run's advisory lock, ms",
  ),
];

/** Adds the session knobs; each falls back to its environment variable (see {@link sessionOptionsFrom}). */
export function addSessionOptions(command: Command): Command {
  for (const f of SESSION_FLAGS) command.addOption(new Option(f.flag, `${f.help} (env ${f.env})`).argParser(f.parse));
  return command;
}

/**
 * The session knobs: a flag commander parsed, else its environment variable, parsed as strictly
 * (an empty variable is an error, not 0); unset ones keep the runner's defaults.
 */
export function sessionOptionsFrom(flags: Record<string, unknown>, context: CommandContext): Partial<SessionOptions> {
  const options: Partial<SessionOptions> = {};
  for (const f of SESSION_FLAGS) {
    const name = f.flag.slice(2, f.flag.indexOf(" ")).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const flag = flags[name];
    if (typeof flag === "number") {
      options[f.key] = flag;
      continue;
    }
    const raw = context.env[f.env];
    if (raw === undefined) continue;
    try {
      options[f.key] = f.parse(raw);
    } catch (error) {
      throw new RunnerError({
        kind: "invalid-option",
        option: f.env,
        value: raw,
        expected: (error as Error).message.replace(/^expected /, ""),
      });
    }
  }
  return options;
}
