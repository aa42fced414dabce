/**
 * A throw-away copy of Trovella's migrations folder in a temporary directory, optionally cut
 * after one migration, so tests can write migrations (`db:revert`) without touching the real one.
 */
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS_FOLDER } from "./test-database.ts";

interface JournalFile {
  entries: { idx: number; tag: string; when: number }[];
}

export interface ScratchMigrations {
  folder: string;
  /** The journal as it is on disk now. */
  journal(): JournalFile & Record<string, unknown>;
  /** A snapshot of the folder by idx. */
  snapshot(idx: number): Record<string, unknown> & { id: string; prevId: string };
  /**
   * Appends a migration as Drizzle Kit would write it: `NNNN_<name>.sql`, its snapshot (id and
   * prevId filled in) and a journal entry. Returns its tag.
   */
  append(name: string, sql: string, snapshot: Record<string, unknown>): string;
  remove(): void;
}

/** Copies the migrations folder; with `upTo`, keeps only migrations 0..upTo (files and journal). */
export function scratchMigrations(upTo?: number): ScratchMigrations {
  const root = mkdtempSync(join(tmpdir(), "trovella-revert-"));
  const folder = join(root, "migrations");
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const read = () => JSON.parse(readFileSync(journalPath, "utf8")) as JournalFile & Record<string, unknown>;
  if (upTo !== undefined) {
    const journal = read();
    for (const entry of journal.entries.filter((e) => e.idx > upTo)) {
      rmSync(join(folder, `${entry.tag}.sql`));
      rmSync(join(folder, "meta", `${String(entry.idx).padStart(4, "0")}_snapshot.json`));
    }
    journal.entries = journal.entries.filter((e) => e.idx <= upTo);
    writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  }
  return {
    folder,
    journal: read,
    snapshot: (idx) => JSON.parse(readFileSync(join(folder, "meta", `${String(idx).padStart(4, "0")}_snapshot.json`), "utf8")),
    append(name, sql, snapshot) {
      const journal = read();
      const last = journal.entries.at(-1);
      if (!last) throw new Error("scratch journal is empty");
      const idx = last.idx + 1;
      const prefix = String(idx).padStart(4, "0");
      const tag = `${prefix}_${name}`;
      const previous = JSON.parse(readFileSync(join(folder, "meta", `${String(last.idx).padStart(4, "0")}_snapshot.json`), "utf8")) as { id: string };
      writeFileSync(join(folder, `${tag}.sql`), sql);
      writeFileSync(join(folder, "meta", `${prefix}_snapshot.json`), JSON.stringify({ ...snapshot, id: randomUUID(), prevId: previous.id }, null, 2));
      journal.entries.push({ idx, version: "7", when: last.when + 1000, tag, breakpoints: true } as JournalFile["entries"][number]);
      writeFileSync(journalPath, JSON.stringify(journal, null, 2));
      return tag;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
