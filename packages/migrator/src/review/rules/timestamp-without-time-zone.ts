import { type Rule, unitPosition } from "../rule.ts";
import { declaredColumns } from "./column-types.ts";

/** timestamp without time zone stores a wall-clock reading, not an instant. */
export const timestampWithoutTimeZone: Rule = {
  id: "timestamp-without-time-zone",
  defaultSeverity: "warning",
  source: "static",
  summary: "a column of type timestamp without time zone",
  explanation:
    "timestamp (without time zone) stores a wall-clock reading with no zone: the same instant written from sessions " +
    "or servers with different TimeZone settings gives different values, and daylight-saving changes make ordering " +
    "and intervals wrong. timestamptz stores an instant and shows it in the session's zone.",
  help: "Use timestamp with time zone (timestamptz; in Drizzle `timestamp(…, { withTimezone: true })`).",
  examples: {
    failing: {
      sql: 'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"submitted_at" timestamp\n);',
    },
    passing: {
      sql: 'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"submitted_at" timestamp with time zone\n);',
    },
  },
  checkUnit({ migration, statement, unit }) {
    return declaredColumns(unit)
      .filter((column) => column.type === "timestamp")
      .map(({ table, column, location }) => ({
        statement,
        position: unitPosition(migration, unit, location),
        message: `"${table}"."${column}" is timestamp without time zone: it records a wall-clock reading, not an instant`,
      }));
  },
};
