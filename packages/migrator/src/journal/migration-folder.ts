/**
 * The one reader of a Drizzle Kit migrations folder. The runner, status, verify, accept-hash,
 * review, revert and the test-database factory all read the folder through it, so they agree on
 * what the history is and how each problem is worded.
 */
import { type Dirent, existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RunnerError } from "../errors/runner-error.ts";
import { runsOutsideTransaction } from "../sql/statements.ts";
import { drizzleFolderName } from "./drizzle-name.ts";
import { migrationHash } from "./file-hash.ts";
import { type FileAt, readFileAt, unreadable } from "./file-at.ts";
import { isFoldersLayout, readMigrationDirectories } from "./folders-layout.ts";
import { type FolderIssue, isRefusal } from "./folder-issue.ts";
import { isInFuture } from "./future-when.ts";
import { type Journal, readJournal } from "./journal-file.ts";
import { type Snapshot, snapshotFileName } from "../snapshot/snapshot.ts";
import { SnapshotFile, snapshotWarnings } from "./snapshot-file.ts";
import { decodeUtf8, nulByte } from "./utf8-text.ts";

/** One migration of the folder, in apply order. */
export interface Migration {
  /** The journal's idx (Drizzle Kit's number; may have gaps). */
  idx: number;
  /** The file name without `.sql`, e.g. `0007_tro-101-research-improvements`. */
  tag: string;
  /** Drizzle Kit 1.0's name of the migration (its folder name): drizzle-orm 1.0 records it. */
  name: string;
  /** The journal's `when` (ms since epoch); Drizzle stores it as `created_at`. */
  when: number;
  /** Absolute path of the `.sql` file. */
  file: string;
  /** The file's text as read (UTF-8), less a leading byte order mark, which PostgreSQL refuses. */
  sql: string;
  /** {@link migrationHash} of the file: what Drizzle stores in `hash`. */
  hash: string;
  /** Whether the file starts with the `-- migrator:no-transaction` directive. */
  noTransaction: boolean;
  /** Where Drizzle Kit keeps its snapshot (whether or not it exists). */
  snapshotPath: string;
  /**
   * Drizzle Kit's schema after this migration, parsed on first use; undefined when the file is
   * missing (a warning of the reader) or malformed ({@link folderSnapshotWarnings}).
   */
  readonly snapshot: Snapshot | undefined;
}

/** A migrations folder that is safe to apply. */
export interface MigrationFolder {
  /** Absolute path. */
  folder: string;
  /** Drizzle Kit 0.x's `meta/_journal.json` with `NNNN_tag.sql` files, or 1.0's folder per migration. */
  layout: "journal" | "folders";
  /** The 0.x journal as Drizzle Kit wrote it (for tools that append to it); absent in the 1.0 layout. */
  journal?: Journal;
  /** Where the 0.x journal is; for the 1.0 layout, the folder itself. */
  journalPath: string;
  /** Every migration, in the order they apply in (the journal's; in 1.0, the folder names'). */
  migrations: Migration[];
  /**
   * Untidiness that does not change what runs: commands print it once, with the fix. Snapshots
   * are only checked to exist here; {@link folderSnapshotWarnings} parses them.
   */
  warnings: FolderIssue[];
}

/** How {@link readMigrationFolder} reads a folder. */
export interface ReadFolderOptions {
  /** The time of reading (ms since the epoch), which a migration's `when` must not lie a day after; the clock's by default. */
  now?: number;
}

/**
 * Reads and validates a Drizzle Kit migrations folder before anything touches a database, in
 * either layout: 0.x (`meta/_journal.json`, one `.sql` file per entry, `meta/<prefix>_snapshot.json`)
 * or 1.0 (`<time>_<name>/migration.sql` and `snapshot.json`). Every issue is collected; refusals
 * (see `FolderIssue`) throw one `RunnerError` of kind `folder-invalid` listing them all,
 * untidiness is returned as `warnings`.
 */
export function readMigrationFolder(folder: string, options: ReadFolderOptions = {}): MigrationFolder {
  const now = options.now ?? Date.now();
  const root = resolve(folder);
  const journalPath = join(root, "meta", "_journal.json");
  const issues: FolderIssue[] = [];
  const entries = listFolder(root, issues);
  if (!entries) throw new RunnerError({ kind: "folder-invalid", folder: root, issues, warnings: [] });
  const folders = isFoldersLayout(root, entries);
  if (folders && existsSync(journalPath)) issues.push({ kind: "layouts-mixed", path: root });
  const read = folders
    ? readFolders(root, entries, issues, now)
    : readJournalLayout(root, entries, journalPath, issues, now);
  const refusals = issues.filter(isRefusal);
  const warnings = issues.filter((issue) => !isRefusal(issue));
  if (refusals.length > 0 || !read)
    throw new RunnerError({ kind: "folder-invalid", folder: root, issues: refusals, warnings });
  return { folder: root, warnings, ...read };
}

/**
 * The migrations folder's entries: none when there is no such folder (its journal is then missing);
 * undefined, with the issue, when the path is something else or cannot be listed.
 */
function listFolder(root: string, issues: FolderIssue[]): Dirent[] | undefined {
  try {
    return readdirSync(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    const reason = code === "ENOTDIR" ? "a file, not a folder" : unreadable(code);
    if (reason === undefined) throw error;
    issues.push({ kind: "folder-unreadable", path: root, reason });
    return undefined;
  }
}

/**
 * The snapshot untidiness of a folder the reader returned: snapshots that are not complete Drizzle
 * Kit snapshots and (1.0's layout) broken parent chains. It parses every snapshot, so only the
 * commands that diff snapshots (db:review, db:revert, db:rebase) ask for it and print it.
 */
export function folderSnapshotWarnings(folder: MigrationFolder): FolderIssue[] {
  return snapshotWarnings(
    folder.layout,
    folder.migrations.map((m) => ({ tag: m.tag, snapshotFile: SNAPSHOT_FILES.get(m) })),
  );
}

/** Each migration's snapshot file, for {@link folderSnapshotWarnings}. */
const SNAPSHOT_FILES = new WeakMap<Migration, SnapshotFile>();

/**
 * Whether the reader found the migration's snapshot file (a missing one is its `snapshot-missing`
 * warning): what everything computed from this reading must go by, even if the file appeared since.
 */
export function hasSnapshotFile(migration: Migration): boolean {
  return SNAPSHOT_FILES.has(migration);
}

/**
 * A migration whose `snapshot` is read from `snapshotPath` on first use; a missing file is a
 * warning now. `snapshotExists` is what a listing of the snapshots' folder said, when there is one.
 */
function migration(
  fields: Omit<Migration, "snapshot" | "noTransaction">,
  issues: FolderIssue[],
  snapshotExists = existsSync(fields.snapshotPath),
): Migration {
  const file = snapshotExists ? new SnapshotFile(fields.snapshotPath) : undefined;
  if (!file) issues.push({ kind: "snapshot-missing", tag: fields.tag, path: fields.snapshotPath });
  const result = { ...fields, noTransaction: runsOutsideTransaction(fields.sql) } as Migration;
  Object.defineProperty(result, "snapshot", { enumerable: true, get: () => file?.snapshot });
  if (file) SNAPSHOT_FILES.set(result, file);
  return result;
}

type LayoutRead = Pick<MigrationFolder, "layout" | "journal" | "journalPath" | "migrations">;

/** The character a UTF-8 byte order mark decodes to. */
const BYTE_ORDER_MARK = "\uFEFF";

/**
 * A migration's SQL and hash, refusing bytes that are not UTF-8 and NUL (PostgreSQL refuses a
 * query with one). A leading byte order mark is left out of both, as this runner always left it
 * out: PostgreSQL refuses a statement that starts with one, so Drizzle's migrators (which keep it,
 * and hash it) cannot apply such a file at all, and a database that applied it holds this hash.
 * A warning says drizzle-kit migrate would fail on it.
 */
function decodeSql(
  tag: string,
  file: string,
  bytes: Buffer,
  issues: FolderIssue[],
): { sql: string; hash: string } | undefined {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    issues.push({ kind: "sql-not-utf8", tag, path: file, ...decoded.at });
    return undefined;
  }
  const nul = nulByte(bytes);
  if (nul) {
    issues.push({ kind: "sql-has-nul", tag, path: file, ...nul });
    return undefined;
  }
  if (!decoded.text.startsWith(BYTE_ORDER_MARK)) return { sql: decoded.text, hash: migrationHash(decoded.text) };
  issues.push({ kind: "sql-starts-with-bom", tag, path: file });
  const sql = decoded.text.slice(BYTE_ORDER_MARK.length);
  return { sql, hash: migrationHash(sql) };
}

/**
 * The names in the snapshots' folder that exist as `existsSync` would say (a broken link does
 * not): one listing instead of a check per migration, which was most of reading a long history.
 */
function snapshotNames(meta: string): Set<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(meta, { withFileTypes: true });
  } catch {
    return new Set();
  }
  return new Set(
    entries.filter((e) => !e.isSymbolicLink() || existsSync(join(meta, e.name))).map((entry) => entry.name),
  );
}

/**
 * Whether a journal tag names a file in the migrations folder: no path separator (`/`, or Windows'
 * `\`), no NUL (no file name holds one). Drizzle Kit writes `NNNN_name`.
 */
function isFileName(tag: string): boolean {
  return !/[/\\\0]/.test(tag);
}

/**
 * The issue of a journal entry whose SQL file is not there to read: a broken symbolic link (named
 * with its target), nothing that is a file (no such name, a directory), or a file that cannot be read.
 */
function unreadSql(tag: string, file: string, read: Exclude<FileAt, { bytes: Buffer }>): FolderIssue {
  if (read.linkTarget !== undefined)
    return { kind: "sql-broken-link", tag, path: file, reason: read.reason, target: read.linkTarget };
  if (read.missing) return { kind: "sql-missing", tag, path: file };
  return { kind: "sql-unreadable", tag, path: file, reason: read.reason };
}

/** Drizzle Kit 1.0's layout. */
function readFolders(root: string, entries: readonly Dirent[], issues: FolderIssue[], now: number): LayoutRead {
  const migrations: Migration[] = [];
  readMigrationDirectories(root, entries, issues).forEach(({ name, when, file, bytes, snapshotPath }, position) => {
    if (isInFuture(when, now))
      issues.push({ kind: "when-in-future", tag: name, when, now, layout: "folders", path: dirname(file) });
    const text = decodeSql(name, file, bytes, issues);
    if (text) migrations.push(migration({ idx: position, tag: name, name, when, file, ...text, snapshotPath }, issues));
  });
  return { layout: "folders", journalPath: root, migrations };
}

/** Drizzle Kit 0.x's layout: the journal lists the migrations. */
function readJournalLayout(
  root: string,
  entries: readonly Dirent[],
  journalPath: string,
  issues: FolderIssue[],
  now: number,
): LayoutRead | undefined {
  const journal = readJournal(journalPath, issues);
  const journalEntries = journal?.entries ?? [];
  const sqlFiles = entries
    .filter((entry) => entry.name.endsWith(".sql"))
    .map((entry) => entry.name)
    .sort();
  if (journal && journalEntries.length === 0 && sqlFiles.length > 0)
    issues.push({ kind: "journal-empty", path: journalPath, sqlFiles });
  const snapshots = snapshotNames(join(root, "meta"));
  const migrations: Migration[] = [];
  const seen = new Set<string>();
  let previous: { tag: string; when: number; inFuture: boolean } | undefined;
  journalEntries.forEach(({ tag, idx, when }, position) => {
    if (seen.has(tag)) issues.push({ kind: "duplicate-tag", tag });
    seen.add(tag);
    if (idx !== position) issues.push({ kind: "idx-out-of-order", tag, idx, expected: position });
    // Drizzle Kit's default (index) prefix: `NNNN_` is the idx it was generated as.
    else if (/^\d{4}_/.test(tag) && Number(tag.slice(0, 4)) !== idx)
      issues.push({ kind: "tag-number-mismatch", tag, idx });
    const inFuture = isInFuture(when, now);
    if (inFuture) issues.push({ kind: "when-in-future", tag, when, now, layout: "journal", path: journalPath });
    if (previous && !(when > previous.when)) {
      const { tag: previousTag, when: previousWhen } = previous;
      issues.push({
        kind: "when-not-increasing",
        tag,
        when,
        previousTag,
        previousWhen,
        ...(previous.inFuture ? { previousInFuture: true as const } : {}),
      });
    }
    previous = { tag, when, inFuture };
    // Drizzle joins the tag to the folder as it is: `../x` would run a file from outside it.
    if (!isFileName(tag)) {
      issues.push({ kind: "tag-not-a-file-name", tag, path: journalPath, position, folder: root });
      return;
    }
    const snapshotName = snapshotFileName(tag);
    const snapshotPath = join(root, "meta", snapshotName);
    const file = join(root, `${tag}.sql`);
    const read = readFileAt(file);
    if (!("bytes" in read)) {
      if (!snapshots.has(snapshotName)) issues.push({ kind: "snapshot-missing", tag, path: snapshotPath });
      issues.push(unreadSql(tag, file, read));
      return;
    }
    const text = decodeSql(tag, file, read.bytes, issues);
    if (!text) return;
    const fields = { idx, tag, name: drizzleFolderName(tag, when), when, file, ...text, snapshotPath };
    migrations.push(migration(fields, issues, snapshots.has(snapshotName)));
  });
  if (journalEntries.length > 0) {
    for (const name of sqlFiles) {
      if (!seen.has(name.slice(0, -".sql".length))) issues.push({ kind: "sql-not-in-journal", path: join(root, name) });
    }
  }
  return journal && { layout: "journal", journal, journalPath, migrations };
}
