/**
 * What can be wrong with a migrations folder. The reader collects every issue before failing, so
 * one run shows the whole list.
 */
export type FolderIssue =
  | { kind: "journal-missing"; path: string }
  | { kind: "journal-malformed"; path: string; reason: string }
  | { kind: "sql-missing"; tag: string; path: string }
  | { kind: "snapshot-missing"; tag: string; path: string }
  | { kind: "snapshot-malformed"; tag: string; path: string; reason: string }
  | { kind: "duplicate-tag"; tag: string }
  | { kind: "idx-out-of-order"; tag: string; idx: number; expected: number }
  | { kind: "when-not-increasing"; tag: string; when: number; previousTag: string; previousWhen: number }
  | { kind: "sql-not-in-journal"; path: string };

/** One line per issue: what is wrong, where, and how to fix it. */
export function describeFolderIssue(issue: FolderIssue): string {
  switch (issue.kind) {
    case "journal-missing":
      return `${issue.path}: no journal. Point --migrations at a Drizzle Kit migrations folder, or run drizzle-kit generate.`;
    case "journal-malformed":
      return `${issue.path}: malformed journal (${issue.reason}). Restore it from git; it must be Drizzle Kit's {"entries":[{"idx","when","tag"}]}.`;
    case "sql-missing":
      return `${issue.path}: missing SQL file for journal entry "${issue.tag}". Restore the file, or remove the entry if the migration was never shared.`;
    case "snapshot-missing":
      return `${issue.path}: missing snapshot for "${issue.tag}". Restore it from git (drizzle-kit generate diffs against it).`;
    case "snapshot-malformed":
      return `${issue.path}: malformed snapshot for "${issue.tag}" (${issue.reason}). Restore it from git.`;
    case "duplicate-tag":
      return `journal entry "${issue.tag}" appears more than once. Keep one entry per migration file.`;
    case "idx-out-of-order":
      return `journal entry "${issue.tag}" has idx ${issue.idx}, expected ${issue.expected}. Number the entries 0, 1, 2, … in file order.`;
    case "when-not-increasing":
      return `journal entry "${issue.tag}" has when ${issue.when}, not after "${issue.previousTag}" (${issue.previousWhen}). Each entry's when must be greater than the previous one's.`;
    case "sql-not-in-journal":
      return `${issue.path}: SQL file not in the journal, so it would never run. Add it with drizzle-kit generate, or delete it.`;
  }
}
