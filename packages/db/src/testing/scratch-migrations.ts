/**
 * Scratch migrations folders for the runner's tests: a temporary copy of Trovella's real history
 * (SQL, snapshots, journal) to which a test appends fixture migrations or makes damage.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS_FOLDER } from "../migrations-folder.ts";

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/** A temporary migrations folder. */
export interface ScratchMigrations {
  dir: string;
  /** The journal entries, in order. */
  entries(): JournalEntry[];
  /**
   * Appends a migration `NNNN_name` (next idx; `when` 1 s after the last unless given) with a
   * copy of the last snapshot. Returns its tag.
   */
  add(name: string, sql: string, options?: { when?: number }): string;
  /** Overwrites a migration's SQL file. */
  write(tag: string, sql: string): void;
  /** Reads a migration's SQL file. */
  read(tag: string): string;
  remove(): void;
}

/** Copies the real history (or the first `upTo` entries of it) into a new temporary folder. */
export function scratchMigrations(options: { upTo?: number } = {}): ScratchMigrations {
  const dir = mkdtempSync(join(tmpdir(), "trovella-migrations-"));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const readJournal = () => JSON.parse(readFileSync(journalPath, "utf8")) as { entries: JournalEntry[] };
  const writeJournal = (journal: { entries: JournalEntry[] }) => writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  if (options.upTo !== undefined) {
    const journal = readJournal();
    for (const e of journal.entries.slice(options.upTo)) {
      rmSync(join(dir, `${e.tag}.sql`));
      rmSync(join(dir, "meta", `${e.tag.split("_")[0]}_snapshot.json`));
    }
    journal.entries = journal.entries.slice(0, options.upTo);
    writeJournal(journal);
  }
  return {
    dir,
    entries: () => readJournal().entries,
    add(name, sql, addOptions = {}) {
      const journal = readJournal();
      const last = journal.entries.at(-1);
      const idx = journal.entries.length;
      const prefix = String(idx).padStart(4, "0");
      const tag = `${prefix}_${name}`;
      if (last) cpSync(join(dir, "meta", `${last.tag.split("_")[0]}_snapshot.json`), join(dir, "meta", `${prefix}_snapshot.json`));
      journal.entries.push({ idx, version: "7", when: addOptions.when ?? (last?.when ?? Date.now()) + 1000, tag, breakpoints: true });
      writeJournal(journal);
      writeFileSync(join(dir, `${tag}.sql`), sql);
      return tag;
    },
    write: (tag, sql) => writeFileSync(join(dir, `${tag}.sql`), sql),
    read: (tag) => readFileSync(join(dir, `${tag}.sql`), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
