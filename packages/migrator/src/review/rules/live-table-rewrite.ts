import type { Rule } from "../rule.ts";

/** `--live`: a statement gave a table that existed before the migration new storage. */
export const liveTableRewrite: Rule = {
  id: "live-table-rewrite",
  defaultSeverity: "error",
  source: "live",
  summary: "(--live) a statement rewrote a table that existed before the migration (measured: new relfilenode)",
  explanation:
    "`--live` reads each table's storage file (`pg_class.relfilenode`) before and after every statement of the " +
    "migrations under review. A new file means PostgreSQL wrote the whole table again (ALTER COLUMN … TYPE, a " +
    "volatile default, a stored generated or serial column…), holding ACCESS EXCLUSIVE for as long as that takes: " +
    "no query reads or writes the table meanwhile. With `--database-url` the finding says how big the table is there. " +
    "TRUNCATE, which also gives a table new storage, is reported as emptied, not as a rewrite.",
  help: "Reach the same schema without a rewrite (a new column filled in batches, then a switch), or schedule it in a maintenance window.",
};
