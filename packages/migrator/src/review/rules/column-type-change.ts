import { nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { type ColumnType, columnType, columnTypeText } from "../../sql/type-name.ts";
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
  checkUnit({ migration, statement, unit, state }) {
    return alterCommands(unit).flatMap(({ table, subtype, command }) => {
      if (subtype !== "AT_AlterColumnType") return [];
      const column = stringField(command, "name") ?? "";
      const from = state.columnType(table, column);
      const to = columnType(objectField(nodeOf(command["def"], "ColumnDef"), "typeName"));
      if (from !== undefined && keepsValues(from, to)) return [];
      const change = `${from === undefined ? "" : ` from ${columnTypeText(from)}`} to ${columnTypeText(to)}`;
      return [
        {
          statement,
          position: unitPosition(migration, unit),
          message: `the type of "${table}"."${column}" changes${change}: the table is rewritten and deployed code may break`,
        },
      ];
    });
  },
};

/** Types whose values are text as they are, so a change to `text` rewrites nothing. */
const TEXT_LIKE = new Set(["varchar", "text"]);

/**
 * Whether PostgreSQL changes the type without touching a value: the same type (e.g. only the
 * collation changes), the same type without its modifier (`vector(1536)` → `vector`,
 * `varchar(255)` → `varchar`), `varchar` → `text`, or a longer `varchar`.
 */
function keepsValues(from: ColumnType, to: ColumnType): boolean {
  if (from.arrayDepth !== to.arrayDepth) return false;
  if (columnTypeText(from) === columnTypeText(to)) return true;
  if (to.modifiers.length === 0 && (from.name === to.name || (TEXT_LIKE.has(from.name) && to.name === "text")))
    return true;
  const length = (type: ColumnType) => (type.modifiers.length === 0 ? Infinity : Number(type.modifiers[0]));
  return from.name === "varchar" && to.name === "varchar" && length(to) >= length(from);
}
