/**
 * What can be wrong with a migrations folder, in two kinds:
 * - refusals make applying wrong or ambiguous (a journal entry without its SQL, a tag that is a
 *   path, a 1.0 migration folder without its migration.sql, a duplicate tag, an unreadable journal
 *   or SQL file, bytes that are not UTF-8 or a NUL): no command applies or judges such a folder;
 * - untidiness does not change what runs (a stray SQL file, a missing snapshot, an `idx` gap,
 *   `when` out of order or in the future, a 1.0 subfolder with neither migration.sql nor snapshot.json, a byte
 *   order mark the runner leaves out): the runner warns and goes on, and only tools that need the
 *   missing thing (db:revert and the snapshot-based review rules need snapshots) refuse.
 * The reader collects every issue, so one run shows the whole list.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { cappedList } from "../text/capped-list.ts";
import { NO_SUCH_FILE } from "./file-at.ts";

export type FolderIssue =
  | { kind: "folder-unreadable"; path: string; reason: string }
  | { kind: "journal-missing"; path: string }
  | { kind: "journal-malformed"; path: string; reason: string }
  | { kind: "journal-unreadable"; path: string; reason: string }
  | { kind: "journal-empty"; path: string; sqlFiles: string[] }
  | { kind: "sql-missing"; tag: string; path: string }
  | { kind: "sql-broken-link"; tag: string; path: string; reason: string; target: string }
  | { kind: "tag-not-a-file-name"; tag: string; path: string; position: number; folder: string }
  | { kind: "sql-starts-with-bom"; tag: string; path: string }
  | { kind: "sql-unreadable"; tag: string; path: string; reason: string }
  | { kind: "sql-not-utf8"; tag: string; path: string; offset: number; line: number }
  | { kind: "sql-has-nul"; tag: string; path: string; offset: number; line: number }
  | { kind: "duplicate-tag"; tag: string }
  | { kind: "snapshot-missing"; tag: string; path: string }
  | { kind: "snapshot-malformed"; tag: string; path: string; reason: string }
  | { kind: "idx-out-of-order"; tag: string; idx: number; expected: number }
  | { kind: "tag-number-mismatch"; tag: string; idx: number }
  | {
      kind: "when-not-increasing";
      tag: string;
      when: number;
      previousTag: string;
      previousWhen: number;
      /** Set when the previous entry's `when` lies in the future (its own `when-in-future` warning). */
      previousInFuture?: true;
    }
  | { kind: "when-in-future"; tag: string; when: number; now: number; layout: "journal" | "folders"; path: string }
  | { kind: "sql-not-in-journal"; path: string }
  | { kind: "layouts-mixed"; path: string }
  | { kind: "folder-name-invalid"; path: string }
  | { kind: "folder-without-sql"; path: string }
  | { kind: "migration-sql-missing"; tag: string; path: string; reason: string }
  | { kind: "stray-file"; path: string }
  | { kind: "same-second"; names: string[] }
  | { kind: "snapshot-parent-missing"; tag: string; path: string; parent: string };

const UNTIDY: ReadonlySet<FolderIssue["kind"]> = new Set([
  "snapshot-missing",
  "snapshot-malformed",
  "idx-out-of-order",
  "tag-number-mismatch",
  "when-not-increasing",
  "when-in-future",
  "sql-not-in-journal",
  "folder-without-sql",
  "stray-file",
  "same-second",
  "snapshot-parent-missing",
  "sql-starts-with-bom",
]);

/** Whether the issue makes applying the folder wrong or ambiguous (else it is untidiness to warn about). */
export function isRefusal(issue: FolderIssue): boolean {
  return !UNTIDY.has(issue.kind);
}

/** One line per issue: what is wrong, where, and how to fix it. */
export function describeFolderIssue(issue: FolderIssue): string {
  switch (issue.kind) {
    case "folder-unreadable":
      return `${issue.path}: the migrations folder cannot be read: it is ${issue.reason}. Point --migrations at a Drizzle Kit migrations folder the migrating user can read.`;
    case "journal-missing":
      return `${issue.path}: no journal. Point --migrations at a Drizzle Kit migrations folder, or run drizzle-kit generate.`;
    case "journal-malformed":
      return `${issue.path}: malformed journal (${issue.reason}). Restore it from git; it must be Drizzle Kit's {"entries":[{"idx","when","tag"}]}.`;
    case "journal-unreadable":
      return `${issue.path}: the journal cannot be read: it is ${issue.reason}. Restore meta/_journal.json from git as a plain file the migrating user can read.`;
    case "journal-empty":
      return `${issue.path}: the journal lists no migration, but the folder holds ${issue.sqlFiles.length} SQL file(s) (${cappedList(issue.sqlFiles, { max: 3 })}), which would never run. Restore the journal from git.`;
    case "sql-missing":
      return `${issue.path}: missing SQL file for journal entry "${issue.tag}". Restore the file, or remove the entry if the migration was never shared.`;
    case "sql-broken-link": {
      const target = resolve(dirname(issue.path), issue.target);
      return `${issue.path}: the SQL file of "${issue.tag}" is ${issue.reason}. Restore ${target}, or replace the link with the migration's SQL file itself.`;
    }
    case "tag-not-a-file-name": {
      const reads = join(issue.folder, `${issue.tag}.sql`);
      const fromFolder = relative(issue.folder, reads);
      const where =
        fromFolder.split(sep)[0] === ".." || isAbsolute(fromFolder)
          ? ", outside the migrations folder"
          : dirname(fromFolder) === "."
            ? ""
            : ", in a subfolder";
      const consequence = issue.tag.includes("\0")
        ? "it holds a NUL byte, which no file name can"
        : `its SQL would be read from ${reads}${where} (drizzle-orm's migrator would run that file)`;
      return `${issue.path}: journal entry ${issue.position} has tag ${JSON.stringify(issue.tag)}, which is not a plain file name: ${consequence}. A tag is the name of a .sql file in the migrations folder, without .sql and without / or \\ (Drizzle Kit writes NNNN_name). Restore the journal from git.`;
    }
    case "sql-starts-with-bom":
      return `${issue.path}: starts with a UTF-8 byte order mark (bytes EF BB BF). The runner leaves it out of the SQL it sends and of the hash it records, but drizzle-kit migrate sends it, and PostgreSQL refuses the first statement with a syntax error. Save the file as UTF-8 without a byte order mark (its hash stays the same: nothing to accept on databases that applied it).`;
    case "sql-unreadable":
      return `${issue.path}: the SQL file of "${issue.tag}" cannot be read: it is ${issue.reason}. Restore it from git as a plain file the migrating user can read.`;
    case "sql-has-nul":
      return `${issue.path}:${issue.line}: byte ${issue.offset} is a NUL (0x00), which PostgreSQL refuses in any query (the whole migration would fail with "invalid message format"). Remove it; if the file has one every other byte, it was saved as UTF-16: save it as UTF-8.`;
    case "sql-not-utf8":
      return `${issue.path}:${issue.line}: byte ${issue.offset} is not UTF-8; it would reach the database as U+FFFD. Save the file as UTF-8.`;
    case "duplicate-tag":
      return `journal entry "${issue.tag}" appears more than once. Keep one entry per migration file.`;
    case "snapshot-missing":
      return `${issue.path}: no snapshot for "${issue.tag}" (a hand-written migration, or a lost file). It still applies; db:revert and the snapshot-based review rules skip it. To restore it, run drizzle-kit generate on the schema of that commit.`;
    case "snapshot-malformed":
      return `${issue.path}: malformed snapshot for "${issue.tag}" (${issue.reason}). It still applies; restore the file from git (a merge conflict left in it?).`;
    case "idx-out-of-order":
      return `journal entry "${issue.tag}" has idx ${issue.idx} at position ${issue.expected}. Migrations apply in journal order whatever their idx; renumber them 0, 1, 2, … to tidy up.`;
    case "tag-number-mismatch":
      return `journal entry "${issue.tag}" has idx ${issue.idx}: its number is not its idx (an entry removed by hand?). drizzle-kit generate numbers the next migration by idx, and would write over the files of an existing one; db:revert numbers after every tag. Renumber the journal's idx and files to match, or generate nothing until the numbers agree.`;
    case "when-not-increasing":
      if (issue.previousInFuture)
        return `journal entry "${issue.tag}" has when ${issue.when}, older than "${issue.previousTag}" (${issue.previousWhen}), whose when lies in the future (see its warning): not a branch merge. On a database that has "${issue.previousTag}", the runner stops it as out-of-order.`;
      return `journal entry "${issue.tag}" has when ${issue.when}, older than "${issue.previousTag}" (${issue.previousWhen}): a branch merge? Drizzle's migrator would skip it on a database that has "${issue.previousTag}". It applies in journal order on a database without "${issue.previousTag}"; on one with it, the runner stops it as out-of-order.`;
    case "when-in-future": {
      const at = new Date(issue.when).toISOString();
      const what =
        issue.layout === "journal"
          ? `journal entry "${issue.tag}" has when ${issue.when} (${at})`
          : `migration folder "${issue.tag}" is named for ${at}`;
      const fix =
        issue.layout === "journal"
          ? "set its when to the time it was generated (after the entry before it)"
          : "rename the folder to the time it was generated (UTC, YYYYMMDDHHMMSS)";
      return (
        `${issue.path}: ${what}, more than a day after this machine's clock (${new Date(issue.now).toISOString()}): was the clock ahead where it was generated? ` +
        `Once a database applies it, every migration generated before ${at} is older than it, and the runner refuses each as out of order (drizzle-orm's migrator would skip it), though no branch was merged late. ` +
        `If no database has applied it yet, ${fix}; if one has, deploy the later migrations with db:migrate --allow-out-of-order until then.`
      );
    }
    case "sql-not-in-journal":
      return `${issue.path}: SQL file not in the journal, so it never runs. Add it with drizzle-kit generate, or delete it.`;
    case "layouts-mixed":
      return `${issue.path}: both Drizzle Kit 0.x's meta/_journal.json and 1.0's migration folders: a half-done \`drizzle-kit up\`? Finish the upgrade (db:upgrade-layout) or restore the folder from git.`;
    case "folder-name-invalid":
      return `${issue.path}: the folder name does not start with a UTC time (YYYYMMDDHHMMSS), which drizzle-orm 1.0 records as created_at (its migrator fails on it). Rename the folder, as drizzle-kit generate would name it.`;
    case "folder-without-sql":
      return `${issue.path}: a folder with neither migration.sql nor snapshot.json, so no migration: nothing in it runs. Move it out of the migrations folder (if it was a migration, restore its files from git).`;
    case "migration-sql-missing": {
      const what =
        issue.reason === NO_SUCH_FILE
          ? "missing, but its folder has snapshot.json: Drizzle Kit generated a migration there"
          : `is ${issue.reason}, not a file`;
      return `${issue.path}: ${what}. Applying the migrations after it without it would skip "${issue.tag}" for good (once the file is back, it is refused as out of order). Restore migration.sql from git, or delete the whole folder if the migration was meant to go.`;
    }
    case "stray-file":
      return `${issue.path}: a file beside the migration folders; it never runs. Move it out of the migrations folder.`;
    case "same-second":
      return `migrations ${issue.names.join(", ")} were generated in the same second: they apply in the order of their names, which is all that orders them. Make sure that order is right.`;
    case "snapshot-parent-missing":
      return `${issue.path}: the snapshot of "${issue.tag}" names a parent snapshot (${issue.parent}) that no migration has: the chain drizzle-kit generate diffs along is broken. Restore the parent's snapshot from git.`;
  }
}
