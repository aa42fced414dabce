import { stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { alterCommands } from "./statement-parts.ts";

/** SET NOT NULL scans the whole table under an exclusive lock. */
export const setNotNull: Rule = {
  id: "set-not-null",
  defaultSeverity: "warning",
  source: "static",
  summary: "SET NOT NULL on an existing table's column",
  explanation:
    "SET NOT NULL checks every row while holding an ACCESS EXCLUSIVE lock, and fails if any row is NULL. On PostgreSQL " +
    "12+ a validated `CHECK (col IS NOT NULL)` constraint lets it skip the scan.",
  help: 'Add `CHECK ("col" IS NOT NULL) NOT VALID`, VALIDATE it in a later migration, then SET NOT NULL (no scan) and drop the check.',
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);'],
      sql: 'ALTER TABLE "ai_usage" ALTER COLUMN "user_id" SET NOT NULL;',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);'],
      sql: 'ALTER TABLE "ai_usage" ALTER COLUMN "user_id" DROP NOT NULL;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    return alterCommands(unit)
      .filter(
        ({ subtype, table, command }) =>
          subtype === "AT_SetNotNull" &&
          state.existedBefore(table, migration.file) &&
          // Already NOT NULL: PostgreSQL does nothing, scans nothing.
          !state.isNotNull(table, stringField(command, "name") ?? ""),
      )
      .map(({ table, command }) => ({
        statement,
        position: unitPosition(migration, unit),
        message: `SET NOT NULL on "${table}"."${stringField(command, "name") ?? ""}" scans the existing table under an exclusive lock`,
      }));
  },
};
