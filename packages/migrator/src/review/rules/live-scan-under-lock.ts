import type { Rule } from "../rule.ts";

/** `--live --database-url`: a statement read a whole large table while holding a lock that blocks writes. */
export const liveScanUnderLock: Rule = {
  id: "live-scan-under-lock",
  defaultSeverity: "error",
  source: "live",
  summary: "(--live --database-url) a lock that blocks writes, held while the statement scans a large table",
  explanation:
    "`--live` measures the locks each statement takes (`pg_locks`) and the scans it begins " +
    "(`pg_stat_get_xact_numscans`); `--database-url` says how many rows each table has in the real database. A " +
    "SHARE or stronger lock blocks every INSERT, UPDATE and DELETE (ACCESS EXCLUSIVE every SELECT too), and a " +
    "statement that scans the table holds it for as long as reading every row takes: validating a constraint, " +
    "SET NOT NULL, a plain CREATE INDEX. The cause of the scan is inferred from the statement's kind.",
  help: "Use the online form: CREATE INDEX CONCURRENTLY, ADD CONSTRAINT … NOT VALID then VALIDATE in a later migration, a validated CHECK before SET NOT NULL (db:review --fix writes the first two).",
};
