import { objectField, relationName } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { constraintsOnAddedColumns } from "./column-types.ts";

/** ADD COLUMN … REFERENCES creates a validated foreign key at once, with no NOT VALID step. */
export const addColumnForeignKey: Rule = {
  id: "add-column-foreign-key",
  defaultSeverity: "warning",
  source: "static",
  summary: "ADD COLUMN … REFERENCES on a table that already existed",
  explanation:
    "A column added with REFERENCES gets its foreign key in the same statement, and a column constraint cannot be NOT " +
    "VALID: the statement holds ACCESS EXCLUSIVE on the table and SHARE ROW EXCLUSIVE on the referenced table (which " +
    "blocks its writes), and when the column has a default every existing row is checked against the referenced table " +
    "while both locks are held.",
  help: "Add the column without REFERENCES, then `ADD CONSTRAINT … FOREIGN KEY … NOT VALID`, and VALIDATE it in a later migration.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
      ],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "plan_id" text REFERENCES "research_plan"("id") ON DELETE set null;',
    },
    passing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
      ],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "plan_id" text;--> statement-breakpoint\nALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null NOT VALID;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    return constraintsOnAddedColumns(unit, state, migration.file, "CONSTR_FOREIGN").map(
      ({ table, column, constraint }) => {
        const referenced = relationName(objectField(constraint, "pktable")) ?? "";
        return {
          statement,
          position: unitPosition(migration, unit, constraint["location"]),
          message: `"${table}"."${column}" is added with REFERENCES "${referenced}": the foreign key is created at once, locking "${referenced}" against writes as well as "${table}", and with no NOT VALID step`,
        };
      },
    );
  },
};
