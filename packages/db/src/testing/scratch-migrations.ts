/**
 * A throw-away copy of Trovella's migrations folder (SQL, snapshots, journal) in a temporary
 * directory, optionally cut after one migration, to which a test appends fixture migrations,
 * damages files, or writes a revert, without touching the real history.
 */
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS_FOLDER } from "../project.ts";

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

type Journal = { entries: JournalEntry[] } & Record<string, unknown>;
type Snapshot = Record<string, unknown> & { id: string; prevId: string };

/** A temporary migrations folder. */
export interface ScratchMigrations {
  dir: string;
  /** The journal as it is on disk now. */
  journal(): Journal;
  /** The journal entries, in order. */
  entries(): JournalEntry[];
  /** A snapshot of the folder by idx. */
  snapshot(idx: number): Snapshot;
  /**
   * Appends a migration as Drizzle Kit would write it: `NNNN_<name>.sql`, its snapshot (a copy of
   * the last one unless given; a fresh id, prevId = the last id) and a journal entry (`when` 1 s
   * after the last unless given). Returns its tag.
   */
  add(name: string, sql: string, options?: { when?: number; snapshot?: Record<string, unknown> }): string;
  /** Overwrites a migration's SQL file. */
  write(tag: string, sql: string): void;
  /** Reads a migration's SQL file. */
  read(tag: string): string;
  remove(): void;
}

const snapshotFile = (dir: string, idx: number) => join(dir, "meta", `${String(idx).padStart(4, "0")}_snapshot.json`);

/**
 * Copies the real history; with `upTo`, keeps only migrations 0..upTo (files and journal). With
 * `into`, the copy is that folder (e.g. inside a test's git repository) instead of a new temporary one.
 */
export function scratchMigrations(upTo?: number, options: { into?: string } = {}): ScratchMigrations {
  const root = options.into ? undefined : mkdtempSync(join(tmpdir(), "trovella-migrations-"));
  const dir = options.into ?? join(root as string, "migrations");
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const readJournal = () => JSON.parse(readFileSync(journalPath, "utf8")) as Journal;
  const writeJournal = (journal: Journal) => writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  const readSnapshot = (idx: number) => JSON.parse(readFileSync(snapshotFile(dir, idx), "utf8")) as Snapshot;
  if (upTo !== undefined) {
    const journal = readJournal();
    for (const entry of journal.entries.filter((e) => e.idx > upTo)) {
      rmSync(join(dir, `${entry.tag}.sql`));
      rmSync(snapshotFile(dir, entry.idx));
    }
    journal.entries = journal.entries.filter((e) => e.idx <= upTo);
    writeJournal(journal);
  }
  return {
    dir,
    journal: readJournal,
    entries: () => readJournal().entries,
    snapshot: readSnapshot,
    add(name, sql, options = {}) {
      const journal = readJournal();
      const last = journal.entries.at(-1);
      if (!last) throw new Error("scratch journal is empty");
      const idx = last.idx + 1;
      const tag = `${String(idx).padStart(4, "0")}_${name}`;
      const previous = readSnapshot(last.idx);
      const snapshot = { ...(options.snapshot ?? previous), id: randomUUID(), prevId: previous.id };
      writeFileSync(join(dir, `${tag}.sql`), sql);
      writeFileSync(snapshotFile(dir, idx), JSON.stringify(snapshot, null, 2));
      journal.entries.push({ idx, version: "7", when: options.when ?? last.when + 1000, tag, breakpoints: true });
      writeJournal(journal);
      return tag;
    },
    write: (tag, sql) => writeFileSync(join(dir, `${tag}.sql`), sql),
    read: (tag) => readFileSync(join(dir, `${tag}.sql`), "utf8"),
    remove: () => rmSync(root ?? dir, { recursive: true, force: true }),
  };
}
