import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_plan_title_idx" ON "research_plan" USING btree ("title");',
];
const review = (sql: string) => reviewExample({ history, sql }, "drop-statement");

describe("drop-statement", () => {
  it("flags DROP TABLE, DROP INDEX (even with IF EXISTS) and DROP POLICY, naming the object", async () => {
    const findings = await review(
      'DROP TABLE "research_plan" CASCADE;--> statement-breakpoint\nDROP INDEX IF EXISTS "research_plan_title_idx";--> statement-breakpoint\nDROP POLICY "research_plan_select" ON "research_plan" CASCADE;',
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [1, 'DROP TABLE "research_plan" deletes it for good'],
      [2, 'DROP INDEX "research_plan_title_idx" deletes it for good'],
      [3, 'DROP POLICY "research_plan.research_plan_select" deletes it for good'],
    ]);
  });

  it("flags ALTER TABLE … DROP COLUMN and DROP CONSTRAINT", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" DROP CONSTRAINT "research_plan_title_unique";--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    );
    expect(findings.map((f) => f.message)).toEqual([
      'DROP CONSTRAINT "research_plan_title_unique" on "research_plan" deletes it for good',
      'DROP COLUMN "title" on "research_plan" deletes it for good',
    ]);
  });

  it("passes additive migrations", async () => {
    expect(await review('ALTER TABLE "research_plan" ADD COLUMN "summary" text;')).toEqual([]);
  });
});
