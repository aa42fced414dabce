import { arrayField, nodeOf, objectField, relationName, stringField } from "../../sql/ast.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { declaredConstraints } from "./statement-parts.ts";

const ACTIONS: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

/** Foreign keys say what happens when the referenced row goes: cascade or set null. */
export const fkOnDelete: Rule = {
  id: "fk-on-delete",
  defaultSeverity: "error",
  source: "static",
  summary: "a foreign key whose ON DELETE is no action/restrict or left out",
  explanation:
    "With ON DELETE no action (Drizzle Kit's default) or restrict, deleting a user, an organization or a plan fails as " +
    "soon as any row references it, typically in production when an account is deleted. The wiki's convention is " +
    "`cascade` for ownership (the row belongs to the referenced one) and `set null` for optional references. An " +
    "intended exception (usage rows kept for billing) carries a suppression with its reason.",
  help: "Set `onDelete: 'cascade'` (ownership) or `onDelete: 'set null'` (optional reference) on the reference in the schema and regenerate; an intended exception gets `-- review-ignore fk-on-delete: <why>` above it.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);',
      ],
      sql: 'ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;',
    },
    passing: {
      history: [
        'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);',
      ],
      sql: 'ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;',
    },
  },
  checkUnit({ migration, statement, unit }) {
    const hits: RuleHit[] = [];
    for (const { table, constraint, column } of declaredConstraints(unit)) {
      if (stringField(constraint, "contype") !== "CONSTR_FOREIGN") continue;
      const action = ACTIONS[stringField(constraint, "fk_del_action") ?? "a"] ?? "no action";
      if (action !== "no action" && action !== "restrict") continue;
      const columns = column
        ? [column]
        : arrayField(constraint, "fk_attrs").map((a) => stringField(nodeOf(a, "String"), "sval") ?? "");
      const referenced = relationName(objectField(constraint, "pktable")) ?? "";
      const name = stringField(constraint, "conname");
      hits.push({
        statement,
        position: unitPosition(migration, unit, constraint["location"]),
        message: `foreign key ${name ? `"${name}" ` : ""}"${table}"(${columns.map((c) => `"${c}"`).join(", ")}) → "${referenced}" has ON DELETE ${action}: deleting the referenced row fails while this one exists`,
      });
    }
    return hits;
  },
};
