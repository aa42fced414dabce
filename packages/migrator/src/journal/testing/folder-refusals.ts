import type { FolderIssue } from "../folder-issue.ts";
import { readMigrationFolder } from "../migration-folder.ts";

/** What reading the folder refuses (its `folder-invalid` issues); throws when the folder is accepted. */
export function folderRefusals(dir: string): FolderIssue[] {
  try {
    readMigrationFolder(dir);
  } catch (error) {
    return (error as { problem: { issues: FolderIssue[] } }).problem.issues;
  }
  throw new Error("the folder was accepted");
}
