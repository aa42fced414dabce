/**
 * Reads a Drizzle Kit migrations folder for review: the journal's entries in order, each file's
 * text, and what Drizzle Kit's differ generates between consecutive snapshots in `meta/`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { emptySnapshot } from "../journal/empty-snapshot.ts";
import type { MigrationSource } from "./review-migrations.ts";

/** The folder is not a readable Drizzle Kit migrations folder. */
export class MigrationFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly problem: string,
  ) {
    super(`${folder}: ${problem}`);
    this.name = "MigrationFolderError";
  }
}

interface JournalEntry {
  idx: number;
  tag: string;
}

/**
 * The migrations of a folder in journal order. `displayFolder` is how findings name the folder
 * (e.g. relative to where the command runs). With `withSnapshots`, each source carries the
 * statements Drizzle Kit generates from the previous snapshot to its own.
 */
export async function readMigrationSources(
  folder: string,
  options: { displayFolder?: string; withSnapshots?: boolean } = {},
): Promise<MigrationSource[]> {
  const journalPath = join(folder, "meta", "_journal.json");
  if (!existsSync(journalPath)) {
    throw new MigrationFolderError(
      folder,
      "no meta/_journal.json: pass the folder Drizzle Kit writes migrations to (--migrations DIR)",
    );
  }
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries?: JournalEntry[] };
  const entries = journal.entries ?? [];
  const sources: MigrationSource[] = [];
  for (const entry of entries) {
    const path = join(folder, `${entry.tag}.sql`);
    if (!existsSync(path)) {
      throw new MigrationFolderError(folder, `the journal lists "${entry.tag}" but ${entry.tag}.sql is missing`);
    }
    sources.push({
      tag: entry.tag,
      file: join(options.displayFolder ?? folder, `${entry.tag}.sql`),
      text: readFileSync(path, "utf8"),
    });
  }
  if (options.withSnapshots) await attachGeneratedStatements(folder, entries, sources);
  return sources;
}

type Snapshot = Record<string, unknown>;

/** Fills `generated` from `generateMigration(previous snapshot, this snapshot)` where both exist. */
async function attachGeneratedStatements(
  folder: string,
  entries: JournalEntry[],
  sources: MigrationSource[],
): Promise<void> {
  const { generateMigration } = await import("drizzle-kit/api");
  const snapshot = (idx: number): Snapshot | undefined => {
    const path = join(folder, "meta", `${String(idx).padStart(4, "0")}_snapshot.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Snapshot) : undefined;
  };
  for (const [position, entry] of entries.entries()) {
    const current = snapshot(entry.idx);
    const previousEntry = entries[position - 1];
    const previous = previousEntry ? snapshot(previousEntry.idx) : current && emptySnapshot();
    const source = sources[position];
    if (!current || !previous || !source) continue;
    try {
      source.generated = await generateMigration(previous as never, current as never);
    } catch {
      // The differ needs a terminal to ask about renames; leave `generated` unknown.
    }
  }
}
