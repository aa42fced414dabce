import { Command } from "commander";
import { type RunEvent, runMigrations } from "../runner/run-migrations.ts";
import type { CommandContext } from "./command-context.ts";
import { describeVerifyResult } from "./describe-verify-result.ts";
import { EXIT } from "./exit-codes.ts";
import { addFolderOptions, addSessionOptions, type FolderFlags, sessionOptionsFrom } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { readFolder, withSession } from "./session.ts";

/**
 * `db:migrate`: validate the folder, print `Migration state: N applied, M expected, P pending`,
 * apply what is pending (one line per migration with its duration), verify; exit non-zero on
 * anything wrong (see `cli/exit-codes.ts`).
 */
export function migrateCommand(project: Project, name = "db:migrate") {
  return (context: CommandContext): Command => {
    const command = new Command(name)
      .description("apply pending migrations, then verify the applied set equals the journal")
      .option("--allow-out-of-order", "apply pending migrations older than the newest applied one");
    addSessionOptions(addFolderOptions(command, project));
    return command.action(async (flags: FolderFlags & { allowOutOfOrder?: boolean } & Record<string, unknown>) => {
      await runAction(context, { json: flags.json, project }, async () => {
        const session = sessionOptionsFrom(flags, context);
        const folder = readFolder(context, flags.migrations);
        return withSession(
          project,
          context,
          async (driver) => {
            if (!flags.json) context.out(`Database: ${driver.target}\n`);
            const interrupt = new AbortController();
            const release = context.trapSignals?.((signal) => interrupt.abort(signal));
            const result = await runMigrations(driver, folder, {
              ...session,
              allowOutOfOrder: flags.allowOutOfOrder ?? false,
              ...(project.selfManagedTransactions ? { selfManagedTransactions: project.selfManagedTransactions } : {}),
              signal: interrupt.signal,
              // With --json, stdout holds the one JSON object: progress stays out of it, warnings go to stderr.
              onEvent: (event) => {
                // Waiting is progress: on stdout, but beside the one JSON object on stderr.
                if (event.type === "waiting") {
                  if (flags.json) context.err(`${event.message}\n`);
                  else context.out(`${event.message}\n`);
                } else if (!flags.json || event.type === "warning" || event.type === "retry")
                  printEvent(context, event);
              },
            }).finally(() => release?.());
            const ok = result.verification.ok;
            if (flags.json) {
              context.out(`${JSON.stringify({ ok, target: driver.target, ...result }, null, 2)}\n`);
            } else {
              if (result.applied.length === 0) context.out("Nothing to apply\n");
              context.out(`${describeVerifyResult(result.verification)}\n`);
            }
            return ok ? EXIT.ok : EXIT.mismatch;
          },
          { create: true },
        );
      });
    });
  };
}

function printEvent(context: CommandContext, event: RunEvent): void {
  switch (event.type) {
    case "state":
      context.out(`Migration state: ${event.applied} applied, ${event.expected} expected, ${event.pending} pending\n`);
      return;
    case "applying":
    case "waiting":
      return;
    case "applied": {
      const m = event.migration;
      context.out(
        `Applied ${m.tag} (${m.durationMs} ms${m.transaction ? "" : ", no transaction"}${m.attempts > 1 ? `, ${m.attempts} attempts` : ""})\n`,
      );
      return;
    }
    case "retry": {
      const r = event.retry;
      const undone = r.transaction ? "rolled back" : "the statement did not run; the statements before it stay applied";
      context.err(`${r.tag}: lock_timeout (attempt ${r.attempt} of ${r.of}); ${undone}, retrying in ${r.delayMs} ms\n`);
      return;
    }
    case "warning":
      context.err(`warning: ${event.message}\n`);
  }
}
