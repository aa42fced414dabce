import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "add-column-foreign-key");

describe("add-column-foreign-key", () => {
  it("names the referenced table that gets locked too", async () => {
    const findings = await review(
      'ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "plan_id" text DEFAULT \'none\' REFERENCES "public"."research_plan"("id");',
    );
    expect(findings.map((f) => f.message)).toEqual([
      '"ai_usage"."plan_id" is added with REFERENCES "research_plan": the foreign key is created at once, locking "research_plan" against writes as well as "ai_usage", and with no NOT VALID step',
    ]);
  });

  it("passes REFERENCES on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ADD COLUMN "plan_id" text REFERENCES "research_plan"("id");';
    expect(await review(sql)).toEqual([]);
  });
});
