import type { Rule } from "../rule.ts";

/** `--live`: the history does not apply to an empty database. */
export const liveApplyFailed: Rule = {
  id: "live-apply-failed",
  defaultSeverity: "error",
  source: "live",
  summary: "(--live) a migration fails when the history is applied to an empty database",
  explanation:
    "`--live` applies the whole history, in journal order, to a throwaway embedded database. A statement that fails " +
    "there fails on every new environment (a developer's machine, a test database, a new region).",
  help: "Fix the statement named in the message; run `db:review --live` again.",
};
