/**
 * Runs one of this package's commands for a test, with the database variables the test gives
 * (`DATABASE_URL` for a server, `PGLITE_DATA_DIR` for the embedded database) in place of the
 * environment's. `runCommand` runs it in this process, as `main` would; `startCommand` starts
 * `src/<command>.ts` as a real process, for tests of process behaviour (a kill, concurrent runs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  acceptHashCommand,
  type CommandFactory,
  migrateCommand,
  rebaseCommand,
  revertCommand,
  reviewCommand,
  rlsCommand,
  seedCommand,
  statusCommand,
  verifyCommand,
} from "@repo/migrator";
import { type CapturedRun, runCaptured } from "@repo/migrator/testing";
import { trovella } from "../project.ts";
import { trovellaSeed } from "../seeds/seed-database.ts";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** The commands, by the name of their script in `src/`. */
const COMMANDS = {
  migrate: migrateCommand(trovella),
  status: statusCommand(trovella),
  verify: verifyCommand(trovella),
  "accept-hash": acceptHashCommand(trovella),
  rls: rlsCommand(trovella),
  revert: revertCommand(trovella),
  rebase: rebaseCommand(trovella),
  review: reviewCommand(trovella),
  seed: seedCommand({ ...trovella, seed: trovellaSeed }),
} satisfies Record<string, CommandFactory>;

type Script = keyof typeof COMMANDS;

/** The database variables a test points a command at. */
export interface CommandEnv {
  DATABASE_URL?: string;
  PGLITE_DATA_DIR?: string;
  [name: string]: string | undefined;
}

/** This process's environment with the test's database variables instead of its own. */
function environment(env: CommandEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, PGLITE_DATA_DIR: _dir, ...inherited } = process.env;
  return { ...inherited, ...env };
}

/** Runs a command in this process, from the package folder (as `pnpm db:…` runs it); returns its exit code and output. */
export function runCommand(script: Script, args: string[], env: CommandEnv): Promise<CapturedRun> {
  return runCaptured(COMMANDS[script], args, { env: environment(env), cwd: PACKAGE_DIR });
}

/** How a command process ended. */
export interface CommandOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started command process and a promise of its outcome. */
export interface RunningCommand {
  child: ChildProcess;
  done: Promise<CommandOutcome>;
  /** What the process has written to stderr so far. */
  stderrSoFar(): string;
}

/**
 * Starts `src/<script>.ts` as one process, as `pnpm db:<script>` does (`run-built`, which execs
 * node: a signal sent to the child reaches the run).
 */
export function startCommand(script: Script, args: string[], env: CommandEnv): RunningCommand {
  const child = spawn(join(PACKAGE_DIR, "node_modules", ".bin", "run-built"), [`src/${script}.ts`, ...args], {
    cwd: PACKAGE_DIR,
    env: environment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CommandOutcome>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stderrSoFar: () => stderr };
}
