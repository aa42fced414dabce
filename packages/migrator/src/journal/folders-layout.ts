/**
 * Drizzle Kit 1.0's layout: one folder per migration, `<YYYYMMDDHHMMSS>_<name>/migration.sql` and
 * `snapshot.json`, no journal. drizzle-orm 1.0 runs every folder that has a `migration.sql`, in the
 * order of their names (the time they were generated, to the second), and records the folder name.
 */
import { type Dirent, statSync } from "node:fs";
import { join } from "node:path";
import { folderMillis } from "./drizzle-name.ts";
import { existsAt, readFileAt } from "./file-at.ts";
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

/**
 * Whether a folder's entries are Drizzle Kit 1.0's layout: some subfolder is a migration's, holding
 * a `migration.sql` or a `snapshot.json` (so a 1.0 folder whose only migration lost its SQL is
 * refused for that, not for having no journal).
 */
export function isFoldersLayout(root: string, entries: readonly Dirent[]): boolean {
  return entries.some((entry) => isDirectory(root, entry) && isMigrationFolder(join(root, entry.name)));
}

/**
 * Whether a subfolder is a migration's: anything named `migration.sql` (even a broken link), or
 * Drizzle Kit's `snapshot.json`, which `drizzle-kit generate` writes with the SQL.
 */
function isMigrationFolder(path: string): boolean {
  return existsAt(join(path, "migration.sql")) || existsAt(join(path, "snapshot.json"));
}

/**
 * Whether an entry is a directory, following a symlink as drizzle-orm 1.0's migrator does (it
 * runs a linked folder's migration.sql).
 */
function isDirectory(root: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(root, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The migrations of a 1.0 folder (its `entries`, listed once by the reader) in apply order
 * (drizzle-orm's: by name, `localeCompare`), each `migration.sql` read, with the issues. Refusals:
 * a folder whose name is no time drizzle-orm can record (its migrator fails on it); a migration's
 * folder (see {@link isMigrationFolder}) whose `migration.sql` is not there or not a file (a
 * broken symbolic link is named with its target), or cannot be read: the migrations around it
 * would apply, and it would be skipped for good.
 * Warnings: a folder with neither file, and a stray file (nothing says they are migrations; they
 * never run), folders of the same second (their order rests on the names).
 */
export function readMigrationDirectories(
  root: string,
  entries: readonly Dirent[],
  issues: FolderIssue[],
): MigrationDirectory[] {
  const found: MigrationDirectory[] = [];
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, entry.name);
    if (!isDirectory(root, entry)) {
      issues.push({ kind: "stray-file", path });
      continue;
    }
    const file = join(path, "migration.sql");
    const read = readFileAt(file);
    if (!("bytes" in read)) {
      if (!read.missing) issues.push({ kind: "sql-unreadable", tag: entry.name, path: file, reason: read.reason });
      else if (read.linkTarget !== undefined)
        issues.push({
          kind: "sql-broken-link",
          tag: entry.name,
          path: file,
          reason: read.reason,
          target: read.linkTarget,
        });
      else if (isMigrationFolder(path))
        issues.push({ kind: "migration-sql-missing", tag: entry.name, path: file, reason: read.reason });
      else if (entry.name !== "meta") issues.push({ kind: "folder-without-sql", path });
      continue;
    }
    const { bytes } = read;
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
