import { Command } from "commander";
import { verifyMigrations } from "../verify/verify-migrations.ts";
import type { CommandContext } from "./command-context.ts";
import { describeVerifyResult } from "./describe-verify-result.ts";
import { EXIT } from "./exit-codes.ts";
import { addFolderOptions, type FolderFlags } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { readFolder, withSession } from "./session.ts";

/** `db:verify`: the read-only CI check; exit 0 only when the applied set equals the journal by count and hash. */
export function verifyCommand(project: Project, name = "db:verify") {
  return (context: CommandContext): Command => {
    const command = new Command(name).description(
      "read-only: check that the database's applied migrations equal the journal (count and hashes)",
    );
    addFolderOptions(command, project);
    return command.action(async (flags: FolderFlags) => {
      await runAction(context, { json: flags.json, project }, async () => {
        const folder = readFolder(context, flags.migrations);
        return withSession(project, context, async (driver) => {
          const result = await verifyMigrations(driver, folder);
          if (flags.json) context.out(`${JSON.stringify({ target: driver.target, ...result }, null, 2)}\n`);
          else context.out(`Database: ${driver.target}\n${describeVerifyResult(result)}\n`);
          return result.ok ? EXIT.ok : EXIT.mismatch;
        });
      });
    });
  };
}
