import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "validate-in-same-migration");
const addFk =
  'DO $$ BEGIN\n  ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_fk" FOREIGN KEY ("plan_id") REFERENCES "research_plan"("id") ON DELETE set null NOT VALID;\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;';
const validate = 'ALTER TABLE "ai_usage" VALIDATE CONSTRAINT "ai_usage_plan_fk";';

describe("validate-in-same-migration", () => {
  it("flags a VALIDATE after a guarded ADD … NOT VALID, naming the ADD's line", async () => {
    const findings = await review(`${addFk}--> statement-breakpoint\n${validate}`);
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        5,
        'VALIDATE CONSTRAINT "ai_usage_plan_fk" runs in the same transaction as its ADD … NOT VALID (line 1): the ADD\'s lock on "ai_usage" is still held while every row is checked',
      ],
    ]);
  });

  it("passes in a no-transaction migration (each statement commits, releasing the ADD's lock)", async () => {
    expect(await review(`-- migrator:no-transaction\n${addFk}--> statement-breakpoint\n${validate}`)).toEqual([]);
  });

  it("passes a VALIDATE of a same-named constraint on another table", async () => {
    const other = 'ALTER TABLE "research_plan" VALIDATE CONSTRAINT "ai_usage_plan_fk";';
    expect(await review(`${addFk}--> statement-breakpoint\n${other}`)).toEqual([]);
  });
});
