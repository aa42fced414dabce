import { type Rule, unitPosition } from "../rule.ts";
import { declaredColumns } from "./column-types.ts";

/** char(n) pads with spaces and is never better than text or varchar. */
export const charColumn: Rule = {
  id: "char-column",
  defaultSeverity: "warning",
  source: "static",
  summary: "a column of type char(n) / character(n)",
  explanation:
    "char(n) pads every value with spaces to n characters, drops trailing spaces when comparing, and turns them into " +
    "surprises when the value is cast or sent to the application. PostgreSQL stores it no more compactly and compares " +
    "it no faster than text; a length limit, if one is wanted, is varchar(n) or a CHECK.",
  help: "Use text (or varchar(n) when a length limit is part of the data's meaning).",
  examples: {
    failing: {
      sql: 'CREATE TABLE "currency" (\n\t"code" char(3) PRIMARY KEY NOT NULL\n);',
    },
    passing: {
      sql: 'CREATE TABLE "currency" (\n\t"code" varchar(3) PRIMARY KEY NOT NULL\n);',
    },
  },
  checkUnit({ migration, statement, unit }) {
    return declaredColumns(unit)
      .filter((column) => column.type === "bpchar")
      .map(({ table, column, location }) => ({
        statement,
        position: unitPosition(migration, unit, location),
        message: `"${table}"."${column}" is char(n): values are padded with spaces and compared without them`,
      }));
  },
};
