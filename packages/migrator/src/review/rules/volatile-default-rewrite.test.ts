import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "volatile-default-rewrite");

describe("volatile-default-rewrite", () => {
  it("flags 0008's statement, guarded and split over two lines, at the function call", async () => {
    const sql =
      '-- TRO-58\nALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "correlation_id" uuid\nDEFAULT gen_random_uuid() NOT NULL;';
    const findings = await review(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3, column: 9, severity: "error" });
  });

  it("passes a stable default such as now()", async () => {
    expect(
      await review('ALTER TABLE "ai_usage" ADD COLUMN "billed_at" timestamp with time zone DEFAULT now() NOT NULL;'),
    ).toEqual([]);
  });

  it("passes a volatile default on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });
});
