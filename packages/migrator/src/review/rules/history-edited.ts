import type { Rule } from "../rule.ts";

/** `--base REF`: a migration that exists at REF was changed, renamed or deleted. */
export const historyEdited: Rule = {
  id: "history-edited",
  defaultSeverity: "error",
  source: "history",
  summary: "(--base) a migration that exists at the base was modified, renamed or deleted",
  explanation:
    "A migration that is on the base branch may be applied to a database already. Changing its SQL file makes every " +
    "database that applied it report it as `modified` (the runner stops; Drizzle's migrator never notices and the " +
    "database silently differs from a fresh one); renaming or deleting it leaves an `unknown` row behind; changing its " +
    "snapshot or journal entry breaks what `drizzle-kit generate` diffs against and the order migrations apply in. " +
    "History is forward-only: a change is a new migration.",
  help:
    "Restore the files from the base (git checkout REF -- FILE…) and make the change in a new migration (drizzle-kit generate). " +
    'A deliberate, reviewed edit of the contents (a comment) goes in the review config\'s "acceptedEdits" with the tag and ' +
    "the reason; every database that applied the old text then needs `db:accept-hash TAG` before the next deploy.",
};
