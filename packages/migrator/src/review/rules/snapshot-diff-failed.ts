import type { Rule } from "../rule.ts";
import { manualAdditionHeader } from "./manual-addition-header.ts";

/** A migration whose generated statements could not be computed: say so, never skip it silently. */
export const snapshotDiffFailed: Rule = {
  id: "snapshot-diff-failed",
  defaultSeverity: "warning",
  source: "engine",
  summary:
    "a migration whose snapshots exist but Drizzle Kit's differ gave no statements, so it was not compared with them",
  explanation:
    `\`${manualAdditionHeader.id}\` compares each migration with what Drizzle Kit generates from the previous ` +
    "snapshot to this one. Where both snapshots exist and the differ still gives nothing, the migration goes " +
    "unchecked: most often Drizzle Kit cannot tell a rename from a drop and a create without asking in a terminal " +
    "(the review never answers for you), or a snapshot is not one Drizzle Kit can read. The finding names the " +
    "migration and the differ's reason.",
  help: "Check the migration's hand-written statements yourself; to stop the warning for a migration already applied, accept it in the baseline (`db:review --write-baseline`).",
  examples: {
    failing: {
      generatedError:
        'Drizzle Kit cannot tell a rename from a drop and a create without asking (columns of table "mail0_session": "connectionId" would go and "connection_id" would come)',
      sql: 'ALTER TABLE "mail0_session" RENAME COLUMN "connectionId" TO "connection_id";',
    },
    passing: {
      generated: ['ALTER TABLE "mail0_session" RENAME COLUMN "connectionId" TO "connection_id";'],
      sql: 'ALTER TABLE "mail0_session" RENAME COLUMN "connectionId" TO "connection_id";',
    },
  },
  checkMigration({ generatedError }) {
    if (generatedError === undefined) return [];
    return [{ message: `${manualAdditionHeader.id} could not check this migration: ${generatedError}` }];
  },
};
