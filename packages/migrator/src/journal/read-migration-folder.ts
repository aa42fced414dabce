import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { runsOutsideTransaction } from "../sql/statements.ts";
import { migrationHash } from "./file-hash.ts";
import type { FolderIssue } from "./folder-issue.ts";

/** One migration as the journal and its files describe it. */
export interface JournalMigration {
  idx: number;
  tag: string;
  /** The journal's `when` (ms since epoch); Drizzle stores it as `created_at`. */
  when: number;
  /** Absolute path of the `.sql` file. */
  file: string;
  /** The file's text, exactly as read. */
  sql: string;
  /** {@link migrationHash} of the file: what Drizzle stores in `hash`. */
  hash: string;
  /** Whether the file starts with the `-- migrator:no-transaction` directive. */
  noTransaction: boolean;
  /** The parsed `meta/NNNN_snapshot.json`: Drizzle Kit's schema after this migration. */
  snapshot: Record<string, unknown>;
}

/** A validated migrations folder: its journal entries in order. */
export interface MigrationFolder {
  folder: string;
  migrations: JournalMigration[];
}

/**
 * Reads and validates a Drizzle Kit migrations folder (`meta/_journal.json`, one `.sql` file and
 * one `meta/NNNN_snapshot.json` per entry) before anything touches a database. Every problem is
 * collected; if there is any, throws a `MigratorError` of kind `folder-invalid` listing them all.
 */
export function readMigrationFolder(folder: string): MigrationFolder {
  const root = resolve(folder);
  const journalPath = join(root, "meta", "_journal.json");
  const issues: FolderIssue[] = [];
  const entries = readJournalEntries(journalPath, issues);
  const migrations: JournalMigration[] = [];
  const seen = new Set<string>();
  let previous: { tag: string; when: number } | undefined;
  entries.forEach((entry, position) => {
    const { tag, idx, when } = entry;
    if (seen.has(tag)) issues.push({ kind: "duplicate-tag", tag });
    seen.add(tag);
    if (idx !== position) issues.push({ kind: "idx-out-of-order", tag, idx, expected: position });
    if (previous && !(when > previous.when)) {
      issues.push({ kind: "when-not-increasing", tag, when, previousTag: previous.tag, previousWhen: previous.when });
    }
    previous = { tag, when };
    const snapshotPath = join(root, "meta", `${tag.split("_")[0]}_snapshot.json`);
    let snapshot: Record<string, unknown> = {};
    if (!existsSync(snapshotPath)) issues.push({ kind: "snapshot-missing", tag, path: snapshotPath });
    else {
      try {
        snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as Record<string, unknown>;
      } catch (error) {
        issues.push({ kind: "snapshot-malformed", tag, path: snapshotPath, reason: (error as Error).message });
      }
    }
    const file = join(root, `${tag}.sql`);
    if (!existsSync(file)) {
      issues.push({ kind: "sql-missing", tag, path: file });
      return;
    }
    const sql = readFileSync(file, "utf8");
    migrations.push({
      idx,
      tag,
      when,
      file,
      sql,
      hash: migrationHash(sql),
      noTransaction: runsOutsideTransaction(sql),
      snapshot,
    });
  });
  if (existsSync(root) && entries.length > 0) {
    for (const name of readdirSync(root)
      .filter((n) => n.endsWith(".sql"))
      .sort()) {
      if (!seen.has(name.slice(0, -".sql".length))) issues.push({ kind: "sql-not-in-journal", path: join(root, name) });
    }
  }
  if (issues.length > 0) throw new MigratorError({ kind: "folder-invalid", folder: root, issues });
  return { folder: root, migrations };
}

interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

function readJournalEntries(path: string, issues: FolderIssue[]): JournalEntry[] {
  if (!existsSync(path)) {
    issues.push({ kind: "journal-missing", path });
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    issues.push({ kind: "journal-malformed", path, reason: (error as Error).message });
    return [];
  }
  const list = (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) {
    issues.push({ kind: "journal-malformed", path, reason: "no entries array" });
    return [];
  }
  const entries: JournalEntry[] = [];
  list.forEach((raw: unknown, position) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const { idx, tag, when } = e;
    if (typeof tag !== "string" || tag === "" || !Number.isInteger(idx) || !Number.isFinite(when)) {
      issues.push({
        kind: "journal-malformed",
        path,
        reason: `entry ${position} needs a string tag, an integer idx and a numeric when`,
      });
      return;
    }
    entries.push({ idx: idx as number, tag, when: when as number });
  });
  return entries;
}
