import { Command } from "commander";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { type RunEvent, runMigrations } from "../runner/run-migrations.ts";
import { describeVerifyResult } from "./describe-verify-result.ts";
import {
  addCommonOptions,
  addSessionOptions,
  type CommandDefaults,
  type CommonFlags,
  runAction,
  sessionOptionsFrom,
  withSession,
} from "./command-setup.ts";
import { EXIT } from "./exit-codes.ts";

/**
 * `migrate`: validate the folder, log `Migration state: N applied, M expected, P pending`, apply
 * what is pending (one line per migration with its duration), verify, exit non-zero on anything
 * wrong.
 */
export function migrateCommand(defaults: CommandDefaults, name = "db:migrate"): Command {
  const command = new Command(name)
    .description("apply pending migrations, then verify the applied set equals the journal")
    .option("--allow-out-of-order", "apply pending migrations older than the newest applied one");
  addSessionOptions(addCommonOptions(command, defaults));
  return command.action(async (flags: CommonFlags & { allowOutOfOrder?: boolean } & Record<string, unknown>) => {
    await runAction(flags.json, async () => {
      const session = sessionOptionsFrom(flags);
      const folder = readMigrationFolder(flags.migrations);
      return withSession(defaults, async (driver) => {
        if (!flags.json) console.log(`Database: ${driver.target}`);
        const result = await runMigrations(driver, folder, {
          ...session,
          allowOutOfOrder: flags.allowOutOfOrder ?? false,
          onEvent: flags.json ? undefined : printEvent,
        });
        const ok = result.verification.ok;
        if (flags.json) {
          console.log(JSON.stringify({ ok, target: driver.target, ...result }, null, 2));
        } else {
          if (result.applied.length === 0) console.log("Nothing to apply");
          console.log(describeVerifyResult(result.verification));
        }
        return ok ? EXIT.ok : EXIT.mismatch;
      });
    });
  });
}

function printEvent(event: RunEvent): void {
  if (event.type === "state") {
    console.log(`Migration state: ${event.applied} applied, ${event.expected} expected, ${event.pending} pending`);
  } else if (event.type === "applied") {
    const m = event.migration;
    console.log(
      `Applied ${m.tag} (${m.durationMs} ms${m.transaction ? "" : ", no transaction"}${m.attempts > 1 ? `, ${m.attempts} attempts` : ""})`,
    );
  } else {
    const r = event.retry;
    console.error(`${r.tag}: lock_timeout (attempt ${r.attempt} of ${r.of}); rolled back, retrying in ${r.delayMs} ms`);
  }
}
