import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "rename-as-drop-add");

describe("rename-as-drop-add", () => {
  it("flags a drop and an add on the same table, at the DROP, naming both columns", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" ADD COLUMN "name" text NOT NULL;--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, column: 1 });
    expect(findings[0]?.message).toContain('"research_plan"."title" is dropped and "name" added');
  });

  it("passes a drop on one table and an add on another", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" ADD COLUMN "name" text;--> statement-breakpoint\nALTER TABLE "plan_step" DROP COLUMN "error";',
    );
    expect(findings).toEqual([]);
  });

  it("passes RENAME COLUMN", async () => {
    expect(await review('ALTER TABLE "research_plan" RENAME COLUMN "title" TO "name";')).toEqual([]);
  });
});
