/**
 * Runs one of this package's commands (`src/migrate.ts`, …) as a real process with tsx, as
 * `pnpm db:migrate` does, for tests of exit codes, output and concurrency. It is one process
 * (`node --import tsx`, not the tsx launcher, which forks a child), so a signal reaches the run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** How a command ended. */
export interface CommandOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started command: its process and a promise of its outcome. */
export interface RunningCommand {
  child: ChildProcess;
  done: Promise<CommandOutcome>;
}

/**
 * Starts `src/<script>.ts` with `args`. `env` replaces the database variables: pass
 * `DATABASE_URL` for a server, or `PGLITE_DATA_DIR` for the embedded database.
 */
export function startCommand(
  script: string,
  args: string[],
  env: { DATABASE_URL?: string; PGLITE_DATA_DIR?: string },
): RunningCommand {
  const { DATABASE_URL: _url, PGLITE_DATA_DIR: _dir, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", `src/${script}.ts`, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...inherited, ...env },
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
  return { child, done };
}

/** Runs a command to its end. */
export function runCommand(
  script: string,
  args: string[],
  env: { DATABASE_URL?: string; PGLITE_DATA_DIR?: string },
): Promise<CommandOutcome> {
  return startCommand(script, args, env).done;
}
