/**
 * The migrations folder as `db:revert` needs it: the validated journal model from `journal/`
 * (every entry with its SQL text and snapshot) plus the raw journal file, which the revert
 * extends and writes back.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { readMigrationFolder } from "../journal/read-migration-folder.ts";
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

/**
 * Reads the journal, every SQL file and every snapshot of a migrations folder, validated as the
 * runner validates it; a problem becomes a `history-unreadable` refusal listing every issue.
 */
export function readMigrationHistory(folder: string): MigrationHistory {
  let migrations;
  try {
    migrations = readMigrationFolder(folder).migrations;
  } catch (error) {
    if (!(error instanceof MigratorError)) throw error;
    throw new RevertError("history-unreadable", error.message, { hint: error.fix });
  }
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as Journal;
  if (migrations.length === 0) {
    throw new RevertError("history-unreadable", `the journal ${join(folder, "meta", "_journal.json")} has no entries`, {
      hint: "there is nothing to revert",
    });
  }
  return {
    folder,
    journal,
    migrations: migrations.map((m, position) => ({
      entry: journal.entries[position] as JournalEntry,
      sqlPath: m.file,
      sql: m.sql,
      snapshot: m.snapshot as Snapshot,
    })),
  };
}
