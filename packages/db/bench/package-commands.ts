/**
 * The commands the benchmark runs as real processes, the way a developer or a deploy runs them:
 * this package's scripts (`db:migrate` is `run-built src/migrate.ts`, `db:review` likewise) and
 * Drizzle Kit's `drizzle-kit migrate`, each on a given migrations folder.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** `packages/db`: where `pnpm db:migrate` and `drizzle-kit` run. */
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(PACKAGE_DIR, "node_modules", ".bin");

/** How a process ended. */
export interface ProcessResult {
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A running process: its end, and a way to stop it (SIGTERM). */
export interface RunningProcess {
  done: Promise<ProcessResult>;
  kill(): void;
}

/**
 * Starts a command in the package folder. The environment is this process's, without
 * `DATABASE_URL` and the runner's `MIGRATE_*` knobs (so the runner's defaults apply), plus `env`.
 */
export function startProcess(program: string, args: string[], env: Record<string, string>): RunningProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL" && !key.startsWith("MIGRATE_")),
  );
  const started = performance.now();
  const child = spawn(program, args, { cwd: PACKAGE_DIR, env: { ...inherited, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ ms: performance.now() - started, code, signal, stdout, stderr }));
  });
  return { done, kill: () => void child.kill("SIGTERM") };
}

/** Runs a command to its end; rejects with its output when it fails. Resolves with its wall time (ms). */
export async function runProcess(program: string, args: string[], env: Record<string, string>): Promise<number> {
  const result = await startProcess(program, args, env).done;
  if (result.code !== 0) {
    throw new Error(`${program} ${args.join(" ")} failed: ${result.stderr || result.stdout || `exit ${result.code}`}`);
  }
  return result.ms;
}

/** The command line of one of this package's scripts (what `pnpm <script>` runs), as program and arguments. */
export function packageScript(script: string): [string, string[]] {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const [program = "", ...args] = (manifest.scripts[script] ?? "").split(/\s+/);
  return [program === "node" ? process.execPath : join(BIN, program), args];
}

/** `db:migrate` on `folder` (the package's migrations unless given). */
export function ourMigrateCommand(folder?: string): [string, string[]] {
  const [program, args] = packageScript("db:migrate");
  return [program, folder ? [...args, "--migrations", folder] : args];
}

/**
 * `drizzle-kit migrate` on `folder` (the package's migrations and `drizzle.config.ts` unless
 * given): for another folder it writes a config next to it, `drizzle.config.cjs`, whose `out` is
 * the folder and whose URL comes from `DATABASE_URL` (no password written to disk).
 */
export function drizzleKitMigrateCommand(folder?: string): [string, string[]] {
  const program = join(BIN, "drizzle-kit");
  if (!folder) return [program, ["migrate"]];
  const config = join(dirname(folder), "drizzle.config.cjs");
  writeFileSync(
    config,
    `module.exports = ${JSON.stringify({ dialect: "postgresql", out: folder })};\n` +
      `module.exports.dbCredentials = { url: process.env.DATABASE_URL ?? "" };\n`,
  );
  return [program, ["migrate", "--config", config]];
}
