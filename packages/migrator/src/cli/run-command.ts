/**
 * Runs a command: the only place that turns errors into printed messages and exit codes, and
 * the only place (through `main`) that touches the process. A command is a function from a
 * context to a commander `Command`; its action sets `context.exitCode` or throws a `MigratorError`.
 */
import { CommanderError, type Command } from "commander";
import { connectionPasswords } from "../drivers/driver.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { type CommandContext, processContext, redactingContext } from "./command-context.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import type { Project } from "./project.ts";
import { errorMessage } from "../errors/error-message.ts";

/** A command, built for a context. */
export type CommandFactory = (context: CommandContext) => Command;

/** Every password any variable of the environment holds, in the forms it could be printed in. */
function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const secrets = Object.values(env).flatMap((value) => (value ? connectionPasswords(value) : []));
  if (env["PGPASSWORD"]) secrets.push(env["PGPASSWORD"]);
  return secrets;
}

/**
 * Parses `argv` (without node and the script), runs the command and returns its exit code. Output
 * goes through the context with every password of the environment removed, whatever printed it.
 */
export async function runCommand(
  factory: CommandFactory,
  argv: readonly string[],
  context: CommandContext,
): Promise<number> {
  const safe = redactingContext(context, secretsOf(context.env));
  const command = factory(safe);
  command.exitOverride().configureOutput({ writeOut: (text) => safe.out(text), writeErr: (text) => safe.err(text) });
  try {
    await command.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    throw error;
  }
  return safe.exitCode;
}

/**
 * A command's action: runs `work`, which returns the exit code; a `MigratorError` is printed as
 * `error: … / fix: …` (or as JSON with `--json`) with the project's hint for its code, and sets its
 * exit code; anything else is an unexpected error (exit 1).
 */
export async function runAction(
  context: CommandContext,
  options: { json?: boolean; project?: Project },
  work: () => Promise<number>,
): Promise<void> {
  try {
    context.exitCode = await work();
  } catch (error) {
    if (!(error instanceof MigratorError)) {
      const message = errorMessage(error);
      if (options.json)
        context.out(`${JSON.stringify({ ok: false, error: { code: "unexpected", message } }, null, 2)}\n`);
      else context.err(`error: ${message}\n`);
      context.exitCode = EXIT.failed;
      return;
    }
    const hint = options.project?.hints?.[error.code];
    if (options.json) {
      context.out(
        `${JSON.stringify({ ok: false, error: { ...error.toJSON(), ...(hint ? { hint } : {}) } }, null, 2)}\n`,
      );
    } else {
      context.err(`error: ${error.message}\nfix: ${error.fix}${hint ? `\n(${hint})` : ""}\n`);
    }
    context.exitCode = exitCodeFor(error);
  }
}

/** The entry point of a command's script: runs it on this process and sets the exit code. */
export async function main(factory: CommandFactory): Promise<void> {
  process.exitCode = await runCommand(factory, process.argv.slice(2), processContext());
}
