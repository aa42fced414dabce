import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "drop-not-null");

describe("drop-not-null", () => {
  it("warns about an existing column", async () => {
    const findings = await review('ALTER TABLE "ai_usage" ALTER COLUMN "user_id" DROP NOT NULL;');
    expect(findings.map((f) => f.severity)).toEqual(["warning"]);
  });

  it("passes a column added in the same migration", async () => {
    const sql =
      'ALTER TABLE "ai_usage" ADD COLUMN "model" text NOT NULL DEFAULT \'\';--> statement-breakpoint\nALTER TABLE "ai_usage" ALTER COLUMN "model" DROP NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });
});
