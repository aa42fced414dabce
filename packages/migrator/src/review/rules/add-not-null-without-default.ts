import { nameList, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { SERIAL_TYPES } from "./column-types.ts";
import { addedColumns } from "./statement-parts.ts";

/** A NOT NULL column without a default cannot be added to a table that has rows. */
export const addNotNullWithoutDefault: Rule = {
  id: "add-not-null-without-default",
  defaultSeverity: "error",
  source: "static",
  summary: "ADD COLUMN … NOT NULL without a default on an existing table",
  explanation:
    "Every existing row would get NULL in the new column, which NOT NULL forbids: the migration fails as soon as the " +
    "table has a row — in production, not on an empty development database. Checked on a table the migration found in " +
    "place (under its name, or renamed to it by the migration) and on one it created and filled (INSERT, or CREATE " +
    "TABLE … AS without WITH NO DATA: a table rebuilt as a copy and renamed into place). `DEFAULT NULL` (or " +
    "`NULL::integer`) is no default: it fills every row with NULL.",
  help: "Give the column a constant default (not NULL), or add it nullable, backfill it, then SET NOT NULL in a later migration.",
  examples: {
    failing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'ALTER TABLE "plan_step" ADD COLUMN "attempt_count" integer NOT NULL;',
    },
    passing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'ALTER TABLE "plan_step" ADD COLUMN "attempt_count" integer DEFAULT 0 NOT NULL;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    return addedColumns(unit).flatMap(({ table, column, definition, constraints }) => {
      if (!state.mayHaveRows(table, migration.file)) return [];
      const types = constraints.map((constraint) => stringField(constraint, "contype"));
      const notNull = types.includes("CONSTR_NOTNULL") || types.includes("CONSTR_PRIMARY");
      // A serial column's default is its sequence: it does not fail, it rewrites (add-serial-column).
      const serial = SERIAL_TYPES.has(nameList(objectField(definition, "typeName")?.["names"]).at(-1) ?? "");
      const nullDefault = constraints.some(
        (c) => stringField(c, "contype") === "CONSTR_DEFAULT" && isNullConstant(c["raw_expr"]),
      );
      const filled =
        serial ||
        (types.includes("CONSTR_DEFAULT") && !nullDefault) ||
        types.some((t) => t === "CONSTR_GENERATED" || t === "CONSTR_IDENTITY");
      if (!notNull || filled) return [];
      const how = nullDefault ? "with DEFAULT NULL, which is no default" : "without a default";
      return [
        {
          statement,
          position: unitPosition(migration, unit),
          message: `"${table}"."${column}" is added NOT NULL ${how}: the migration fails once "${table}" has rows`,
        },
      ];
    });
  },
};

/** Whether a default is NULL: `NULL`, `(NULL)`, `NULL::integer`, `CAST(NULL AS integer)`. */
function isNullConstant(expression: unknown): boolean {
  const cast = nodeOf(expression, "TypeCast");
  if (cast) return isNullConstant(cast["arg"]);
  return nodeOf(expression, "A_Const")?.["isnull"] === true;
}
