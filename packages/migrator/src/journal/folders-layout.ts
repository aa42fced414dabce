/**
 * Drizzle Kit 1.0's layout: one folder per migration, `<YYYYMMDDHHMMSS>_<name>/migration.sql` and
 * `snapshot.json`, no journal. drizzle-orm 1.0 runs every folder that has a `migration.sql`, in the
 * order of their names (the time they were generated, to the second), and records the folder name.
 */
import { type Dirent, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { folderMillis } from "./drizzle-name.ts";
import type { FolderIssue } from "./folder-issue.ts";

/** A folder of the 1.0 layout that holds a migration. */
export interface MigrationDirectory {
  /** The folder's name: Drizzle Kit 1.0's name of the migration. */
  name: string;
  /** The time its name starts with, in ms. */
  when: number;
  file: string;
  /** The bytes of its `migration.sql`. */
  bytes: Buffer;
  snapshotPath: string;
}

/** Whether a folder's entries are Drizzle Kit 1.0's layout: some subfolder holds a `migration.sql`. */
export function isFoldersLayout(root: string, entries: readonly Dirent[]): boolean {
  return entries.some((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "migration.sql")));
}

/**
 * The migrations of a 1.0 folder (its `entries`, listed once by the reader) in apply order
 * (drizzle-orm's: by name, `localeCompare`), each `migration.sql` read, with the issues: a folder
 * whose name is no time drizzle-orm can record (a refusal: its migrator fails on it), a folder
 * without `migration.sql` or a stray file (never run), folders of the same second (their order
 * rests on the names).
 */
export function readMigrationDirectories(
  root: string,
  entries: readonly Dirent[],
  issues: FolderIssue[],
): MigrationDirectory[] {
  const found: MigrationDirectory[] = [];
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, entry.name);
    if (!entry.isDirectory()) {
      issues.push({ kind: "stray-file", path });
      continue;
    }
    const file = join(path, "migration.sql");
    const bytes = readIfFile(file);
    if (!bytes) {
      if (entry.name !== "meta") issues.push({ kind: "folder-without-sql", path });
      continue;
    }
    const when = folderMillis(entry.name);
    if (when === undefined) {
      issues.push({ kind: "folder-name-invalid", path });
      continue;
    }
    found.push({ name: entry.name, when, file, bytes, snapshotPath: join(path, "snapshot.json") });
  }
  const bySecond = new Map<number, string[]>();
  for (const m of found) bySecond.set(m.when, [...(bySecond.get(m.when) ?? []), m.name]);
  for (const names of bySecond.values()) if (names.length > 1) issues.push({ kind: "same-second", names });
  return found;
}

/** A file's bytes; undefined when there is no such file (or it is a directory). One system call when it exists. */
export function readIfFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
    throw error;
  }
}
