import { stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { alterCommands } from "./statement-parts.ts";

/** Dropping NOT NULL lets new code write NULLs that the running code does not expect. */
export const dropNotNull: Rule = {
  id: "drop-not-null",
  defaultSeverity: "warning",
  source: "static",
  summary: "ALTER COLUMN … DROP NOT NULL on a column that already existed",
  explanation:
    "The application version that is still running while a migration deploys was written for a column that is never " +
    "NULL. Once NOT NULL is gone, the new version (or a backfill) can write NULLs that the old one reads and " +
    "mishandles. Undoing it later is SET NOT NULL, which scans the whole table under an ACCESS EXCLUSIVE lock.",
  help: "Ship code that copes with NULL first and drop NOT NULL in a later release; if it is safe now, add `-- review-ignore drop-not-null: <why>` above it.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text NOT NULL\n);'],
      sql: 'ALTER TABLE "ai_usage" ALTER COLUMN "user_id" DROP NOT NULL;',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text NOT NULL\n);'],
      sql: '-- review-ignore drop-not-null: the user_id is optional from release 42 on, which every running instance has\nALTER TABLE "ai_usage" ALTER COLUMN "user_id" DROP NOT NULL;',
    },
  },
  checkUnit({ migration, statement, unit, before }) {
    return alterCommands(unit)
      .filter(({ table, subtype, command }) => {
        return subtype === "AT_DropNotNull" && before.hasColumn(table, stringField(command, "name") ?? "");
      })
      .map(({ table, command }) => ({
        statement,
        position: unitPosition(migration, unit),
        message: `DROP NOT NULL on "${table}"."${stringField(command, "name") ?? ""}": the application version still running can read NULLs it was never written for, and SET NOT NULL later scans the whole table`,
      }));
  },
};
