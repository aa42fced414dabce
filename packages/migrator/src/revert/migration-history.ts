/**
 * The migrations folder as `db:revert` needs it: journal entries, each with its SQL text and its
 * snapshot. Deliberately minimal and private to `revert/`: the shared journal model lives in
 * `journal/` and should replace this once both are merged.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RevertError } from "./revert-error.ts";

/** A Drizzle Kit PostgreSQL snapshot (`meta/NNNN_snapshot.json`), kept as plain JSON. */
export type Snapshot = Record<string, unknown> & { id: string; prevId: string };

/** One `_journal.json` entry as Drizzle Kit writes it. */
export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/** The `_journal.json` file. */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** One migration of the history: its journal entry, SQL text and snapshot. */
export interface HistoryMigration {
  entry: JournalEntry;
  /** Path of the SQL file, for messages. */
  sqlPath: string;
  sql: string;
  snapshot: Snapshot;
}

/** A migrations folder, read once. */
export interface MigrationHistory {
  folder: string;
  journal: Journal;
  migrations: HistoryMigration[];
}

/** `0007` for idx 7: Drizzle Kit's file prefix. */
export function migrationPrefix(idx: number): string {
  return String(idx).padStart(4, "0");
}

/** Path of the snapshot of migration `idx` in a migrations folder. */
export function snapshotPath(folder: string, idx: number): string {
  return join(folder, "meta", `${migrationPrefix(idx)}_snapshot.json`);
}

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) {
    throw new RevertError("history-unreadable", `${what} is missing: ${path}`, {
      hint: "db:revert needs a Drizzle Kit migrations folder with meta/_journal.json and one snapshot per migration",
    });
  }
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (error) {
    throw new RevertError("history-unreadable", `${what} is not valid JSON: ${path}: ${(error as Error).message}`, {
      hint: "restore the file from git",
    });
  }
}

/** Reads the journal, every SQL file and every snapshot of a migrations folder. */
export function readMigrationHistory(folder: string): MigrationHistory {
  const journal = readJson<Journal>(join(folder, "meta", "_journal.json"), "the journal");
  if (!Array.isArray(journal.entries) || journal.entries.length === 0) {
    throw new RevertError("history-unreadable", `the journal ${join(folder, "meta", "_journal.json")} has no entries`, {
      hint: "there is nothing to revert",
    });
  }
  const migrations = journal.entries.map((entry) => {
    const sqlPath = join(folder, `${entry.tag}.sql`);
    if (!existsSync(sqlPath)) {
      throw new RevertError("history-unreadable", `the SQL file of journal entry ${entry.idx} is missing: ${sqlPath}`, {
        hint: "restore it from git, or remove the journal entry if the migration was never committed",
      });
    }
    const snapshot = readJson<Snapshot>(snapshotPath(folder, entry.idx), `the snapshot of ${entry.tag}`);
    return { entry, sqlPath, sql: readFileSync(sqlPath, "utf8"), snapshot };
  });
  return { folder, journal, migrations };
}
