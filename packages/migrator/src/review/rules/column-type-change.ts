import { nameList, nodeOf, objectField, stringField } from "../../sql/ast.ts";
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
    "old type. A USING expression other than the column itself (or its cast to the new type) rewrites the table even " +
    "when the type stays the same, and stores what it computes in place of every value. Not checked on a table the " +
    "migration created and did not fill: it has no rows and no deployed code uses it yet.",
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
      // A table this migration created (and did not fill) has no rows and no code using it yet.
      if (state.hasTable(table) && !state.mayHaveRows(table, migration.file)) return [];
      const column = stringField(command, "name") ?? "";
      const definition = nodeOf(command["def"], "ColumnDef");
      const from = state.columnType(table, column);
      const to = columnType(objectField(definition, "typeName"));
      const using = definition?.["raw_default"];
      const recomputes = using !== undefined && !isColumnItself(using, column, to);
      if (from !== undefined && !recomputes && keepsValues(from, to)) return [];
      const target = `"${table}"."${column}"`;
      const message =
        from !== undefined && recomputes && columnTypeText(from) === columnTypeText(to)
          ? `${target} keeps its type ${columnTypeText(to)} but its USING expression recomputes every value: the table is rewritten and deployed code may break`
          : `the type of ${target} changes${from === undefined ? "" : ` from ${columnTypeText(from)}`} to ${columnTypeText(to)}${recomputes ? " with a USING expression that recomputes every value" : ""}: the table is rewritten and deployed code may break`;
      return [{ statement, position: unitPosition(migration, unit), message }];
    });
  },
};

/**
 * Whether a USING expression is the column itself (`USING "name"`) or its cast to the new type
 * (`USING "name"::varchar(200)`): PostgreSQL then converts as without USING, and rewrites nothing
 * when the types allow it. Anything else (`lower("name")`, `"status" || ''`, a cast to another
 * type) is computed for every row, into a rewritten table.
 */
function isColumnItself(using: unknown, column: string, to: ColumnType): boolean {
  const cast = nodeOf(using, "TypeCast");
  if (cast && columnTypeText(columnType(objectField(cast, "typeName"))) !== columnTypeText(to)) return false;
  const fields = nameList(nodeOf(cast ? cast["arg"] : using, "ColumnRef")?.["fields"]);
  return fields.length === 1 && fields[0] === column;
}

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
