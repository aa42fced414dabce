import { arrayField, nodeOf, objectField, relationName, stringField } from "../../sql/ast.ts";
import type { ReviewStatement } from "../../sql/parse-migration.ts";
import type { Rule, RuleHit } from "../rule.ts";

/** A column dropped and another added on one table in one migration: a rename turned into data loss. */
export const renameAsDropAdd: Rule = {
  id: "rename-as-drop-add",
  defaultSeverity: "error",
  source: "static",
  summary: "a column dropped and another added on the same table in one migration (probably a rename)",
  explanation:
    "When a column is renamed in the schema and Drizzle Kit cannot ask (no terminal) or the question is answered wrongly, " +
    "it generates DROP COLUMN plus ADD COLUMN: the column's data is lost and the new column starts empty.",
  help: 'Replace the pair with `ALTER TABLE "t" RENAME COLUMN "old" TO "new";` (or keep both and copy the data first).',
  examples: {
    failing: {
      history: ['CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);'],
      sql: 'ALTER TABLE "research_plan" ADD COLUMN "name" text NOT NULL;--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    },
    passing: {
      history: ['CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);'],
      sql: 'ALTER TABLE "research_plan" RENAME COLUMN "title" TO "name";',
    },
  },
  checkMigration({ migration }) {
    const drops = new Map<string, { column: string; statement: ReviewStatement }[]>();
    const adds = new Map<string, string[]>();
    for (const statement of migration.statements) {
      for (const unit of statement.units) {
        if (unit.type !== "AlterTableStmt") continue;
        const table = relationName(objectField(unit.node, "relation")) ?? "";
        for (const item of arrayField(unit.node, "cmds")) {
          const command = nodeOf(item, "AlterTableCmd");
          const subtype = stringField(command, "subtype");
          if (subtype === "AT_DropColumn") {
            drops.set(table, [...(drops.get(table) ?? []), { column: stringField(command, "name") ?? "", statement }]);
          } else if (subtype === "AT_AddColumn") {
            const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname") ?? "";
            adds.set(table, [...(adds.get(table) ?? []), column]);
          }
        }
      }
    }
    const hits: RuleHit[] = [];
    for (const [table, dropped] of drops) {
      const added = adds.get(table) ?? [];
      if (added.length === 0) continue;
      for (const { column, statement } of dropped) {
        hits.push({
          statement,
          message: `"${table}"."${column}" is dropped and ${added.map((a) => `"${a}"`).join(", ")} added in the same migration: a rename generated as drop + add loses the column's data`,
        });
      }
    }
    return hits;
  },
};
