import { stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { alterCommands } from "./statement-parts.ts";

/** ALTER COLUMN … TYPE usually rewrites the table and can fail on existing values. */
export const columnTypeChange: Rule = {
  id: "column-type-change",
  defaultSeverity: "error",
  source: "static",
  summary: "ALTER COLUMN … TYPE",
  explanation:
    "Changing a column's type rewrites the table (and its indexes) under an ACCESS EXCLUSIVE lock unless the types are " +
    "binary-compatible, fails if an existing value does not convert, and breaks deployed code that still expects the " +
    "old type.",
  help: "Add a new column with the new type, backfill it, switch the code over, then drop the old column in a later release.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"latency_ms" integer\n);'],
      sql: 'ALTER TABLE "ai_usage" ALTER COLUMN "latency_ms" SET DATA TYPE bigint;',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"latency_ms" integer\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "latency_us" bigint;',
    },
  },
  checkUnit({ migration, statement, unit }) {
    return alterCommands(unit)
      .filter((command) => command.subtype === "AT_AlterColumnType")
      .map(({ table, command }) => ({
        statement,
        position: unitPosition(migration, unit),
        message: `the type of "${table}"."${stringField(command, "name") ?? ""}" changes: the table is rewritten and deployed code may break`,
      }));
  },
};
