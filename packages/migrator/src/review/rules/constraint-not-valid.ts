import { stringField } from "../../sql/ast.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { declaredConstraints } from "./statement-parts.ts";

/** A new FK or CHECK on an existing table validates every row under a lock. */
export const constraintNotValid: Rule = {
  id: "constraint-not-valid",
  defaultSeverity: "warning",
  source: "static",
  summary: "a foreign key or check constraint added to an existing table without NOT VALID",
  explanation:
    "Adding a foreign key or check constraint validates every existing row while holding a lock that blocks writes " +
    "(and, for a foreign key, on the referenced table too). Added NOT VALID it only applies to new rows; " +
    "`VALIDATE CONSTRAINT` in a later migration checks the old rows with a weaker lock.",
  help: "Add the constraint with NOT VALID, then `ALTER TABLE … VALIDATE CONSTRAINT …` in a later migration.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);',
      ],
      sql: 'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null ON UPDATE no action;',
    },
    passing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);',
      ],
      sql: 'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null ON UPDATE no action NOT VALID;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const hits: RuleHit[] = [];
    for (const { table, constraint, column, added } of declaredConstraints(unit)) {
      const type = stringField(constraint, "contype");
      if (
        !added ||
        column !== undefined ||
        !state.existedBefore(table, migration.file) ||
        constraint["skip_validation"] === true
      )
        continue;
      if (type !== "CONSTR_FOREIGN" && type !== "CONSTR_CHECK") continue;
      const name = stringField(constraint, "conname") ?? "";
      hits.push({
        statement,
        position: unitPosition(migration, unit, constraint["location"]),
        message:
          `${type === "CONSTR_FOREIGN" ? "foreign key" : "check constraint"} "${name}" is validated against every row of the existing table "${table}" under a lock` +
          (type === "CONSTR_FOREIGN" && state.isPartitioned(table)
            ? ` (a partitioned table: PostgreSQL before 18 refuses a NOT VALID foreign key on it, so NOT VALID needs PostgreSQL 18)`
            : ""),
      });
    }
    return hits;
  },
};
