/**
 * `db:review --base REF`: what a branch did to the migrations that already exist at REF (the base
 * branch, the commit before a push). A migration at REF may be applied somewhere, so changing,
 * renaming or deleting its SQL file, snapshot or journal entry breaks the databases that have it;
 * and a new migration that does not come after REF's last one is out of order on every database
 * that has that one (Drizzle's migrator skips it silently; ours stops).
 */
import { isDeepStrictEqual } from "node:util";
import { mergeBase, pathsAt } from "../git/git.ts";
import type { JournalEntry } from "../journal/journal-file.ts";
import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import {
  type FolderAtCommit,
  folderRepository,
  pathInFolder,
  readFolderAt,
  repositoryPath,
  resolveRef,
} from "./folder-at.ts";

/** Which part of a migration changed. */
export type EditedPart = "SQL file" | "snapshot" | "journal entry";

/** One thing the branch did to the history at REF. */
export type HistoryEdit =
  | {
      kind: "modified";
      tag: string;
      parts: EditedPart[];
      details: string[];
      file: string;
      /** The changed files, relative to the repository root (to restore them from REF). */
      paths: string[];
    }
  | { kind: "renamed"; tag: string; to: string; file: string; paths: string[] }
  | { kind: "deleted"; tag: string; file: string; paths: string[] }
  | {
      kind: "inserted";
      tag: string;
      file: string;
      /** REF's last migration, which this one does not come after. */
      before: string;
      /** By the folder's order, by its `when`, or because REF has migrations the branch has not merged. */
      reason: "position" | "when" | "not-merged";
      notMerged: string[];
    };

/** The branch's history compared with REF's. */
export interface BaseComparison {
  ref: string;
  commit: string;
  /** Migrations at REF. */
  baseCount: number;
  edits: HistoryEdit[];
}

/** The key two folders of one layout share for one migration (0.x: the tag; 1.0: the folder name). */
function keyOf(m: Migration, folder: MigrationFolder): string {
  return folder.layout === "journal" ? m.tag : m.name;
}

function entryOf(folder: MigrationFolder, tag: string): JournalEntry | undefined {
  return folder.journal?.entries.find((e) => e.tag === tag);
}

/** How a journal entry changed, field by field (`when 1700000000000 → 1700000001000`). */
function entryChanges(before: JournalEntry | undefined, after: JournalEntry | undefined): string[] {
  if (!before || !after) return [];
  return (["idx", "when", "version", "breakpoints"] as const)
    .filter((field) => before[field] !== after[field])
    .map((field) => `${field} ${String(before[field])} → ${String(after[field])}`);
}

/** The file paths (relative to the folder) at the merge base of HEAD and REF: what the branch has seen of REF. */
async function seenPaths(root: string, folderPath: string, commit: string): Promise<Set<string> | undefined> {
  const base = await mergeBase(root, "HEAD", commit);
  return base ? pathsAt(root, base, folderPath) : undefined;
}

/**
 * Compares the folder (as it is on disk) with the same folder at `ref`. Refuses a folder outside
 * git and a ref git does not know (exit 2). Folders of different layouts (after `drizzle-kit up`)
 * are matched by Drizzle Kit 1.0's name, and only their SQL is compared.
 */
export async function compareWithBase(current: MigrationFolder, ref: string): Promise<BaseComparison> {
  const repository = await folderRepository(current.folder, "--base");
  const commit = await resolveRef(repository, ref, "--base");
  const at = await readFolderAt(repository, ref, commit);
  try {
    const base = at.folder;
    if (!base || base.migrations.length === 0) return { ref, commit, baseCount: 0, edits: [] };
    const seen = await seenPaths(repository.root, repository.path, commit);
    const inRepository = (folder: MigrationFolder, file: string) =>
      repositoryPath(repository, pathInFolder(folder, file));
    return {
      ref,
      commit,
      baseCount: base.migrations.length,
      edits: edits(current, base, at, seen, inRepository),
    };
  } finally {
    at.remove();
  }
}

function edits(
  current: MigrationFolder,
  base: MigrationFolder,
  at: FolderAtCommit,
  seen: Set<string> | undefined,
  inRepository: (folder: MigrationFolder, file: string) => string,
): HistoryEdit[] {
  /** A base migration's files (SQL, snapshot), relative to the repository root. */
  const filesOf = (b: Migration) => [inRepository(base, b.file), inRepository(base, b.snapshotPath)];
  const sameLayout = current.layout === base.layout;
  const key = (m: Migration, folder: MigrationFolder) => (sameLayout ? keyOf(m, folder) : m.name);
  const currentByKey = new Map(current.migrations.map((m, i) => [key(m, current), { m, i }]));
  const baseKeys = new Set(base.migrations.map((m) => key(m, base)));
  const added = current.migrations.filter((m) => !baseKeys.has(key(m, current)));
  const renamedTargets = new Set<Migration>();
  const found: HistoryEdit[] = [];
  const notMerged: string[] = [];
  let lastPosition = -1;
  let lastTag = "";
  for (const b of base.migrations) {
    const here = currentByKey.get(key(b, base));
    if (!here) {
      const target = added.find((m) => m.hash === b.hash && !renamedTargets.has(m));
      const sqlPath = pathInFolder(base, b.file);
      if (target) {
        renamedTargets.add(target);
        found.push({ kind: "renamed", tag: b.tag, to: target.tag, file: target.file, paths: filesOf(b) });
      } else if (!seen || seen.has(sqlPath))
        found.push({ kind: "deleted", tag: b.tag, file: at.display(sqlPath), paths: filesOf(b) });
      else notMerged.push(b.tag);
      continue;
    }
    const { m, i } = here;
    const parts: EditedPart[] = [];
    const details: string[] = [];
    if (m.hash !== b.hash) parts.push("SQL file");
    if (sameLayout && !isDeepStrictEqual(m.snapshot, b.snapshot)) parts.push("snapshot");
    const changes = sameLayout ? entryChanges(entryOf(base, b.tag), entryOf(current, m.tag)) : [];
    if (i < lastPosition) changes.push(`now before ${lastTag}, which it followed at the base`);
    if (changes.length > 0) {
      parts.push("journal entry");
      details.push(...changes);
    }
    if (parts.length > 0) {
      const paths = [
        ...(parts.includes("SQL file") ? [inRepository(base, b.file)] : []),
        ...(parts.includes("snapshot") ? [inRepository(base, b.snapshotPath)] : []),
        ...(parts.includes("journal entry") && base.layout === "journal" ? [inRepository(base, base.journalPath)] : []),
      ];
      found.push({ kind: "modified", tag: m.tag, parts, details, file: m.file, paths });
    }
    if (i > lastPosition) {
      lastPosition = i;
      lastTag = m.tag;
    }
  }
  const last = base.migrations.at(-1) as Migration;
  const lastHere = currentByKey.get(key(last, base));
  for (const m of added) {
    if (renamedTargets.has(m)) continue;
    const position = current.migrations.indexOf(m);
    const reason =
      notMerged.length > 0
        ? "not-merged"
        : lastHere && position < lastHere.i
          ? "position"
          : m.when <= last.when
            ? "when"
            : undefined;
    if (reason) found.push({ kind: "inserted", tag: m.tag, file: m.file, before: last.tag, reason, notMerged });
  }
  return found;
}
