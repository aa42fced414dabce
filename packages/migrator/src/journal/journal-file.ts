/**
 * Drizzle Kit 0.x's journal, `meta/_journal.json`: the list of migrations in apply order. Kept as
 * Drizzle Kit writes it, so tools that add a migration (db:revert, db:rebase) can write it back.
 */
import { NO_SUCH_FILE, readFileAt } from "./file-at.ts";
import type { FolderIssue } from "./folder-issue.ts";

/** The last time a JavaScript Date can hold, in milliseconds since the epoch (ECMAScript: 8.64e15). */
const LAST_DATE_MS = 8_640_000_000_000_000;

/** One journal entry as Drizzle Kit writes it. */
export interface JournalEntry {
  idx: number;
  version: string;
  /** Milliseconds since the epoch when Drizzle Kit generated it; Drizzle's migrator stores it as `created_at`. */
  when: number;
  /** The file name without `.sql`, e.g. `0007_tro-101-research-improvements`. */
  tag: string;
  breakpoints: boolean;
}

/** The whole `_journal.json`. */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/**
 * Reads the journal. A missing file, a path that is no readable file (a broken link, a symlink
 * loop, a directory, no permission) or a file that is not Drizzle Kit's shape adds an issue and
 * gives undefined; an entry without a string tag, integer idx and numeric when adds an issue and
 * is left out.
 */
export function readJournal(path: string, issues: FolderIssue[]): Journal | undefined {
  const read = readFileAt(path);
  if (!("bytes" in read)) {
    if (read.reason === NO_SUCH_FILE) issues.push({ kind: "journal-missing", path });
    else issues.push({ kind: "journal-unreadable", path, reason: read.reason });
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.bytes.toString("utf8"));
  } catch (error) {
    issues.push({ kind: "journal-malformed", path, reason: (error as Error).message });
    return undefined;
  }
  const raw = (parsed ?? {}) as Record<string, unknown>;
  if (!Array.isArray(raw["entries"])) {
    issues.push({ kind: "journal-malformed", path, reason: "no entries array" });
    return undefined;
  }
  const entries: JournalEntry[] = [];
  (raw["entries"] as unknown[]).forEach((item, position) => {
    const e = (item ?? {}) as Record<string, unknown>;
    const { idx, tag, when } = e;
    if (typeof tag !== "string" || tag === "" || !Number.isInteger(idx) || !Number.isFinite(when)) {
      issues.push({
        kind: "journal-malformed",
        path,
        reason: `entry ${position} needs a string tag, an integer idx and a numeric when`,
      });
      return;
    }
    // `when` becomes the bookkeeping row's created_at, a bigint: a fraction would be refused only
    // at that insert, after the migration ran. Past the last date a JavaScript Date holds, every
    // message and 1.0 folder name that prints it as a date would fail.
    if (!Number.isSafeInteger(when) || (when as number) < 0 || (when as number) > LAST_DATE_MS) {
      issues.push({
        kind: "journal-malformed",
        path,
        reason: `entry ${position} ("${tag}") has when ${String(when)}, which is not a whole number of milliseconds from 0 to ${LAST_DATE_MS} (the year 275760; Drizzle Kit writes Date.now())`,
      });
      return;
    }
    entries.push({
      idx: idx as number,
      version: typeof e["version"] === "string" ? e["version"] : "7",
      when: when as number,
      tag,
      breakpoints: e["breakpoints"] !== false,
    });
  });
  return {
    version: typeof raw["version"] === "string" ? raw["version"] : "7",
    dialect: typeof raw["dialect"] === "string" ? raw["dialect"] : "postgresql",
    entries,
  };
}
