import { arrayField, nameList, nodeOf, objectField, relationName, stringField } from "../../sql/ast.ts";
import { dropKind } from "../guards.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** Any DROP: data or schema that a deployed application may still use is gone for good. */
export const dropStatement: Rule = {
  id: "drop-statement",
  defaultSeverity: "error",
  source: "static",
  summary: "DROP of a table, column, type, index, constraint, schema or policy",
  explanation:
    "A DROP deletes data or a schema object that the running version of the application may still read. " +
    "Migrations are forward-only and deploy before the new code, so a drop must come in a later release, " +
    "once nothing uses the object, and someone must decide that on purpose.",
  help: "Remove the DROP now and drop the object in a later migration once no deployed code uses it; if it is intended, add `-- review-ignore drop-statement: <why>` above it.",
  examples: {
    failing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" DROP COLUMN "error";',
    },
    passing: {
      history: ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'],
      sql: 'ALTER TABLE "plan_step" ADD COLUMN "error_code" text;',
    },
  },
  checkUnit({ migration, statement, unit }) {
    const hits: RuleHit[] = [];
    if (unit.type === "DropStmt") {
      const kind = dropKind(stringField(unit.node, "removeType"));
      const names = arrayField(unit.node, "objects").map((object) => {
        const parts = nameList(nodeOf(object, "List")?.["items"]);
        const typeParts = nameList(nodeOf(object, "TypeName")?.["names"]);
        return (parts.length > 0 ? parts : typeParts).join(".") || stringField(nodeOf(object, "String"), "sval") || "?";
      });
      hits.push({ statement, message: `DROP ${kind} ${names.map((n) => `"${n}"`).join(", ")} deletes it for good` });
    }
    if (unit.type === "AlterTableStmt") {
      const table = relationName(objectField(unit.node, "relation"));
      for (const item of arrayField(unit.node, "cmds")) {
        const command = nodeOf(item, "AlterTableCmd");
        const subtype = stringField(command, "subtype");
        if (subtype === "AT_DropColumn" || subtype === "AT_DropConstraint") {
          const what = subtype === "AT_DropColumn" ? "COLUMN" : "CONSTRAINT";
          hits.push({
            statement,
            position: unitPosition(migration, unit),
            message: `DROP ${what} "${stringField(command, "name") ?? ""}" on "${table ?? ""}" deletes it for good`,
          });
        }
      }
    }
    return hits;
  },
};
