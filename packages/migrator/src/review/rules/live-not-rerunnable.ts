import type { Rule } from "../rule.ts";

/** `--live`: a migration from the guard baseline on fails when run a second time. */
export const liveNotRerunnable: Rule = {
  id: "live-not-rerunnable",
  defaultSeverity: "error",
  source: "live",
  summary: "(--live) a migration from the guard baseline on fails when run a second time",
  explanation:
    "After applying the history, `--live` runs every migration from the guard baseline on a second time (inside a " +
    "transaction that is rolled back; no-transaction migrations directly) and reports the first statement that fails. " +
    "This is what the wiki promises and what the static `missing-guard` rule can only approximate.",
  help: "Guard the named statement (IF NOT EXISTS / IF EXISTS, or a DO block catching duplicate_object).",
};
