import { arrayField, nodeOf, relationName, stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** TRUNCATE … CASCADE empties tables the statement does not name. */
export const truncateCascade: Rule = {
  id: "truncate-cascade",
  defaultSeverity: "error",
  source: "static",
  summary: "TRUNCATE … CASCADE",
  explanation:
    "CASCADE makes TRUNCATE also empty every table that has a foreign key to the named ones, and the tables that " +
    "reference those, however far the chain goes: tenant data in tables the migration never names is gone, with an " +
    "ACCESS EXCLUSIVE lock on each of them meanwhile.",
  help: "Name every table you mean to empty and drop CASCADE (PostgreSQL then refuses if another table still references them), or DELETE exactly the rows you mean.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text REFERENCES "research_plan"("id") ON DELETE cascade\n);',
      ],
      sql: 'TRUNCATE "research_plan" CASCADE;',
    },
    passing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text REFERENCES "research_plan"("id") ON DELETE cascade\n);',
      ],
      sql: 'TRUNCATE "plan_step", "research_plan";',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (unit.type !== "TruncateStmt" || stringField(unit.node, "behavior") !== "DROP_CASCADE") return [];
    const tables = arrayField(unit.node, "relations").map((r) => `"${relationName(nodeOf(r, "RangeVar")) ?? ""}"`);
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `TRUNCATE ${tables.join(", ")} CASCADE also empties every table with a foreign key to ${tables.length === 1 ? "it" : "them"}, tables this statement does not name`,
      },
    ];
  },
};
