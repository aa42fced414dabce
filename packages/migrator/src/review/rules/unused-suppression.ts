import type { Rule } from "../rule.ts";

/** A suppression that suppresses nothing is stale, or names the wrong rule. */
export const unusedSuppression: Rule = {
  id: "unused-suppression",
  defaultSeverity: "error",
  source: "engine",
  summary: "a `-- review-ignore` comment that suppresses no finding (or names an unknown rule)",
  explanation:
    "A suppression that no longer matches a finding was left behind after a fix, or names a rule that does not fire " +
    "there (a typo, or the comment is not on the line right above the statement). Left in place it would silently " +
    "hide a future finding.",
  help: "Delete the comment, or move it to the line right above the statement and check the rule id.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
      ],
      sql: '-- review-ignore fk-on-delete: batches belong to the organization\nALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;',
    },
    passing: {
      history: [
        'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
      ],
      sql: 'ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;',
    },
  },
};
