import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

/** Before the guard baseline, so that missing-guard stays out of these findings. */
const legacy = { ...EXAMPLE_CONFIG, guardBaseline: "9999" };

const history = [
  'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);',
];
const fk =
  'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;';

describe("suppression-without-reason", () => {
  it("reports the comment and does not suppress the finding", async () => {
    const findings = await reviewExample({ history, sql: `-- review-ignore fk-on-delete:\n${fk}` }, undefined, legacy);
    expect(findings.filter((f) => f.rule !== "constraint-not-valid").map((f) => [f.rule, f.line])).toEqual([
      ["fk-on-delete", 2],
      ["suppression-without-reason", 1],
    ]);
  });
});
