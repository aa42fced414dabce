/** Runs a command in this process, as a test does: its environment given, its output captured. */
import type { CommandContext } from "../cli/command-context.ts";
import { type CommandFactory, runCommand } from "../cli/run-command.ts";

/** How a command ended. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `factory` with `argv` on `env` (the whole environment the command sees) from `cwd`, and
 * returns its exit code and what it printed.
 *
 * @example const run = await runCaptured(migrateCommand(project), ["--json"], { env: { DATABASE_URL: url } });
 */
export async function runCaptured(
  factory: CommandFactory,
  argv: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<CapturedRun> {
  let stdout = "";
  let stderr = "";
  const context: CommandContext = {
    env: options.env,
    cwd: options.cwd ?? process.cwd(),
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    exitCode: 0,
  };
  const code = await runCommand(factory, argv, context);
  return { code, stdout, stderr };
}
