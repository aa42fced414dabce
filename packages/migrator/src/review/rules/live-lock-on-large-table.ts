import type { Rule } from "../rule.ts";

/** `--live --database-url`: a brief but strong lock on a large table. */
export const liveLockOnLargeTable: Rule = {
  id: "live-lock-on-large-table",
  defaultSeverity: "warning",
  source: "live",
  summary: "(--live --database-url) a SHARE or stronger lock on a large table, without a scan",
  explanation:
    "The statement takes a lock that blocks writes (ACCESS EXCLUSIVE blocks reads too) on a table that is large in " +
    "the real database, but reads no rows under it, so once granted it is held only briefly. While it waits to be " +
    "granted, behind any long transaction on the table, every later query on the table queues behind it: the " +
    "runner's lock_timeout bounds that wait. Deploy it when traffic is low, and keep the lock timeout short.",
  help: "Keep it, with the runner's short lock_timeout and retries; if the table is hot, deploy it at a quiet time or split the change.",
};
