import type { Rule } from "../rule.ts";

/** A suppression must say why the finding is accepted. */
export const suppressionWithoutReason: Rule = {
  id: "suppression-without-reason",
  defaultSeverity: "error",
  source: "engine",
  summary: "a `-- review-ignore rule-id` comment without a reason",
  explanation:
    "`-- review-ignore <rule-id>: <reason>` on the line above a statement accepts that rule's findings on it. Without " +
    "a reason the next reader cannot tell an intended exception from a silenced mistake, so the reason is required and " +
    "the suppression does not apply without it.",
  help: "Write the reason after a colon: `-- review-ignore fk-on-delete: usage rows are kept for billing`.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);',
      ],
      sql: '-- review-ignore fk-on-delete\nALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;',
    },
    passing: {
      history: [
        'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);',
      ],
      sql: '-- review-ignore fk-on-delete: usage rows must survive the user for billing\nALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;',
    },
  },
};
