import { Command } from "commander";
import { acceptMigrationHashes } from "../runner/accept-hash.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { addFolderOptions, addSessionOptions, type FolderFlags, sessionOptionsFrom } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { readFolder, withSession } from "./session.ts";

/** `db:accept-hash <tag...>`: record the current hash of reviewed, deliberately edited applied migrations. */
export function acceptHashCommand(project: Project, name = "db:accept-hash") {
  return (context: CommandContext): Command => {
    const command = new Command(name)
      .description(
        "accept a reviewed edit of applied migrations: record each file's new hash (runs no SQL from the file)",
      )
      .argument("<tags...>", "tags of migrations db:status shows as modified")
      .option("--without-git", "accept although git has no history of the file to show what changed");
    addSessionOptions(addFolderOptions(command, project));
    return command.action(
      async (tags: string[], flags: FolderFlags & { withoutGit?: boolean } & Record<string, unknown>) => {
        await runAction(context, { json: flags.json, project }, async () => {
          const session = sessionOptionsFrom(flags, context);
          const folder = readFolder(context, flags.migrations);
          return withSession(project, context, async (driver) => {
            const accepted = await acceptMigrationHashes(driver, folder, tags, {
              ...session,
              withoutGit: flags.withoutGit ?? false,
              // As db:migrate: on stdout, but beside the one JSON object on stderr.
              onWait: (message) => (flags.json ? context.err(`${message}\n`) : context.out(`${message}\n`)),
            });
            if (flags.json) context.out(`${JSON.stringify({ ok: true, target: driver.target, accepted }, null, 2)}\n`);
            for (const a of flags.json ? [] : accepted) {
              context.out(`Accepted ${a.tag}: row ${a.id} hash ${a.oldHash} -> ${a.newHash}\n`);
              if (a.evidence)
                context.out(
                  `The database applied its version of commit ${a.evidence.commit.slice(0, 12)}; what changed since:\n${a.evidence.diff}`,
                );
            }
            return EXIT.ok;
          });
        });
      },
    );
  };
}
