import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describeFolderIssue } from "../journal/folder-issue.ts";
import { upgradeLayout, type UpgradeLayoutOptions, type UpgradeLayoutReport } from "../upgrade/upgrade-layout.ts";
import type { CommandContext } from "./command-context.ts";
import { EXIT } from "./exit-codes.ts";
import { addFolderOptions, type FolderFlags, userPath } from "./options.ts";
import type { Project } from "./project.ts";
import { runAction } from "./run-command.ts";
import { withSession } from "./session.ts";

function describe(report: UpgradeLayoutReport, folder: string, checkDatabase: boolean): string {
  if (report.alreadyConverted)
    return `${folder} is in Drizzle Kit 1.0's layout already (${report.migrations.length} migrations): nothing to do.${
      checkDatabase
        ? " The database was not checked: db:verify says which migrations drizzle-orm 1.0 would run again."
        : ""
    }`;
  return [
    `Converted ${folder} to Drizzle Kit 1.0's layout with drizzle-kit ${report.drizzleKit?.version} up (TZ=UTC): ${report.migrations.length} migrations.`,
    "Checked:",
    ...report.checks.map((check) => `  ${check}`),
    "Next: commit the folder; from now on only drizzle-kit 1.0 generates migrations into it (docs/upgrading-drizzle-kit-1.md).",
  ].join("\n");
}

/** What a first signal does, and what a second one (quitting at once) leaves. */
const SIGNAL_WORDS = {
  stopping: "stopping drizzle-kit up and putting the folder back",
  quitting: `quitting at once: if drizzle-kit up had started, the folder may be left half-converted; the copy taken first of it is the newest ${join(tmpdir(), "migrations-backup-*")}: put it back, or restore the folder from git`,
};

/**
 * `db:upgrade-layout`: converts a Drizzle Kit 0.x migrations folder to 1.0's layout with the
 * project's own `drizzle-kit up` (1.0), checks the result, and puts the folder back as it was when
 * a check fails. Exit 0 converted (or in 1.0's layout already), 1 a check failed (folder restored),
 * 2 no Drizzle Kit 1.0 to run or a folder that cannot be read, 4 the database cannot be reached or
 * went away, 130/143 SIGINT/SIGTERM stopped drizzle-kit up (folder restored).
 */
export function upgradeLayoutCommand(project: Project, name = "db:upgrade-layout") {
  return (context: CommandContext): Command => {
    const command = new Command(name)
      .description("convert the migrations folder to Drizzle Kit 1.0's layout with drizzle-kit up, and check it")
      .option("--drizzle-kit <path>", "the Drizzle Kit 1.0 to run (its package folder); default: the project's")
      .option(
        "--check-database",
        "also check the project's database (the one db:status reads): what is applied stays applied, by name",
      );
    addFolderOptions(command, project);
    return command.action(async (flags: FolderFlags & { drizzleKit?: string; checkDatabase?: boolean }) => {
      await runAction(context, { json: flags.json, project }, async () => {
        const interrupt = new AbortController();
        const options: UpgradeLayoutOptions = {
          folder: userPath(context, flags.migrations),
          env: context.env,
          signal: interrupt.signal,
          ...(flags.drizzleKit ? { drizzleKit: userPath(context, flags.drizzleKit) } : {}),
        };
        const release = context.trapSignals?.((signal) => interrupt.abort(signal), SIGNAL_WORDS);
        let report: UpgradeLayoutReport;
        try {
          report = flags.checkDatabase
            ? await withSession(project, context, (driver) => upgradeLayout({ ...options, driver }))
            : await upgradeLayout(options);
        } finally {
          release?.();
        }
        for (const warning of report.warnings) context.err(`warning: ${describeFolderIssue(warning)}\n`);
        context.out(
          flags.json
            ? `${JSON.stringify({ ok: true, ...report }, null, 2)}\n`
            : `${describe(report, flags.migrations, flags.checkDatabase === true)}\n`,
        );
        return EXIT.ok;
      });
    });
  };
}
