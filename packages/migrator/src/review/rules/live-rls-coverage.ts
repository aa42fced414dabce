import type { Rule } from "../rule.ts";

/** `--live`: after the last migration a tenant table lacks RLS or one of its four policies. */
export const liveRlsCoverage: Rule = {
  id: "live-rls-coverage",
  defaultSeverity: "error",
  source: "live",
  summary:
    "(--live) after the last migration, a tenant table in the catalog without RLS or without its four policies (a read-only one: its select policy)",
  explanation:
    "The catalog is the truth: after applying the history, every table with the tenant column must have row-level " +
    "security enabled and a select, insert, update and delete policy for the configured role. This catches policies " +
    "dropped or tables created by statements the static rules cannot follow (dynamic SQL, EXECUTE).",
  help: "Add the missing ENABLE ROW LEVEL SECURITY or policies to the table's schema and generate a migration.",
};
