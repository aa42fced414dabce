import { objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** A rename breaks the application version that is still running while the migration deploys. */
export const renameColumnOrTable: Rule = {
  id: "rename-column-or-table",
  defaultSeverity: "error",
  source: "static",
  summary: "RENAME COLUMN, RENAME TO or SET SCHEMA on a table that already existed",
  explanation:
    "Migrations deploy before the new code, and the old code keeps running until the rollout ends: from the moment " +
    "the rename commits, every query of the old code that names the old column or table fails. Moving a table to " +
    "another schema (SET SCHEMA) is a rename too: the old code's queries no longer find it. A rename is also " +
    "irreversible under forward-only migrations without a second rename that breaks the new code the same way.",
  help: "Expand and contract: add the new column (or a view under the new table name), write to both, move the readers over, and drop the old one in a later release.",
  examples: {
    failing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" RENAME COLUMN "error" TO "error_message";',
    },
    passing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" ADD COLUMN "error_message" text;',
    },
  },
  checkUnit({ migration, statement, unit, before, state }) {
    const table = tableName(objectField(unit.node, "relation"));
    const position = unitPosition(migration, unit);
    if (unit.type === "AlterObjectSchemaStmt" && stringField(unit.node, "objectType") === "OBJECT_TABLE") {
      if (!state.existedBefore(table, migration.file)) return [];
      const schema = stringField(unit.node, "newschema") ?? "";
      return [
        {
          statement,
          position,
          message: `SET SCHEMA "${schema}" of table "${table}": the application version still running during the deploy queries "${table}" and fails from the moment this commits`,
        },
      ];
    }
    if (unit.type !== "RenameStmt") return [];
    const type = stringField(unit.node, "renameType");
    const newName = stringField(unit.node, "newname") ?? "";
    if (type === "OBJECT_COLUMN") {
      const column = stringField(unit.node, "subname") ?? "";
      if (!before.hasColumn(table, column)) return [];
      return [
        {
          statement,
          position,
          message: `RENAME COLUMN "${column}" TO "${newName}" on "${table}": the application version still running during the deploy reads and writes "${column}" and fails from the moment this commits`,
        },
      ];
    }
    if (type === "OBJECT_TABLE" && state.existedBefore(table, migration.file)) {
      return [
        {
          statement,
          position,
          message: `RENAME of table "${table}" TO "${newName}": the application version still running during the deploy queries "${table}" and fails from the moment this commits`,
        },
      ];
    }
    return [];
  },
};
