import type { Rule } from "../rule.ts";

/** `--base REF`: a new migration does not come after the last migration at REF. */
export const historyInserted: Rule = {
  id: "history-inserted",
  defaultSeverity: "error",
  source: "history",
  summary: "(--base) a new migration comes before the base's last one (in the journal or by its when)",
  explanation:
    "Two branches each generated a migration; after the merge one of them sits before (or is dated before) a migration " +
    "that the base branch has deployed already. Drizzle's migrator skips such a migration silently on every database that " +
    "has the later one; the runner stops on it as `out-of-order`. A branch that has not merged the base's newer " +
    "migrations yet will end up the same way.",
  help:
    "Merge the base branch, then run `db:rebase`: it moves the branch's new migrations after the base's last one " +
    "(renumbered, new when, snapshots regenerated) once it has checked that both sides touch different objects.",
};
