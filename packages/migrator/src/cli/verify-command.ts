import { Command } from "commander";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { verifyMigrations } from "../verify/verify-migrations.ts";
import { addCommonOptions, type CommandDefaults, type CommonFlags, runAction, withSession } from "./command-setup.ts";
import { describeVerifyResult } from "./describe-verify-result.ts";
import { EXIT } from "./exit-codes.ts";

/** `verify`: the read-only CI check; exit 0 only when the applied set equals the journal by count and hash. */
export function verifyCommand(defaults: CommandDefaults, name = "db:verify"): Command {
  const command = new Command(name).description(
    "read-only: check the applied migrations equal the journal, by count and by hash",
  );
  addCommonOptions(command, defaults);
  return command.action(async (flags: CommonFlags) => {
    await runAction(flags.json, async () => {
      const folder = readMigrationFolder(flags.migrations);
      return withSession(defaults, async (driver) => {
        const result = await verifyMigrations(driver, folder);
        if (flags.json) console.log(JSON.stringify({ target: driver.target, ...result }, null, 2));
        else console.log(`Database: ${driver.target}\n${describeVerifyResult(result)}`);
        return result.ok ? EXIT.ok : EXIT.mismatch;
      });
    });
  });
}
