/** Opening what a command works on: the migrations folder (its warnings printed once) and a database session. */
import type { Driver } from "../drivers/driver.ts";
import { describeFolderIssue } from "../journal/folder-issue.ts";
import { type MigrationFolder, readMigrationFolder } from "../journal/migration-folder.ts";
import type { CommandContext } from "./command-context.ts";
import { userPath } from "./options.ts";
import type { Project } from "./project.ts";

/** Reads the folder named by `--migrations`; its untidiness goes to stderr as warnings, once. */
export function readFolder(context: CommandContext, migrations: string): MigrationFolder {
  const folder = readMigrationFolder(userPath(context, migrations));
  for (const warning of folder.warnings) context.err(`warning: ${describeFolderIssue(warning)}\n`);
  return folder;
}

/**
 * Opens a session on the project's database, runs `fn`, and always closes the session. Only a
 * command that `create`s (db:migrate) makes an embedded database where there is none.
 */
export async function withSession<T>(
  project: Project,
  context: CommandContext,
  fn: (driver: Driver) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const driver = await project.openDriver(context.env, options);
  try {
    return await fn(driver);
  } finally {
    await driver.close().catch(() => undefined);
  }
}
