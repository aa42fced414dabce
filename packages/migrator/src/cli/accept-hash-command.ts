import { Command } from "commander";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { acceptMigrationHashes } from "../runner/accept-hash.ts";
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

/** `accept-hash <tag...>`: record the current hash of reviewed, deliberately edited applied migrations. */
export function acceptHashCommand(defaults: CommandDefaults, name = "db:accept-hash"): Command {
  const command = new Command(name)
    .description(
      "accept a reviewed edit of applied migrations: record each file's new hash (runs no SQL from the file)",
    )
    .argument("<tags...>", "tags of migrations db:status shows as modified");
  addSessionOptions(addCommonOptions(command, defaults));
  return command.action(async (tags: string[], flags: CommonFlags & Record<string, unknown>) => {
    await runAction(flags.json, async () => {
      const session = sessionOptionsFrom(flags);
      const folder = readMigrationFolder(flags.migrations);
      return withSession(defaults, async (driver) => {
        const accepted = await acceptMigrationHashes(driver, folder, tags, session);
        if (flags.json) console.log(JSON.stringify({ ok: true, target: driver.target, accepted }, null, 2));
        else for (const a of accepted) console.log(`Accepted ${a.tag}: row ${a.id} hash ${a.oldHash} -> ${a.newHash}`);
        return EXIT.ok;
      });
    });
  });
}
