import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "no-transaction-not-rerunnable");

describe("no-transaction-not-rerunnable", () => {
  it("flags every unguarded statement of a no-transaction migration", async () => {
    const sql =
      '-- migrator:no-transaction\nALTER TYPE "public"."ai_provider" ADD VALUE \'google\';--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" ("correlation_id");--> statement-breakpoint\nALTER TABLE "ai_usage" ADD COLUMN "note" text;';
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([2, 4]);
  });

  it("ignores a migration that runs in a transaction", async () => {
    expect(await review('ALTER TABLE "ai_usage" ADD COLUMN "note" text;')).toEqual([]);
  });

  it("passes a no-transaction migration whose statements are all guarded", async () => {
    const sql =
      '-- migrator:no-transaction\nALTER TYPE "public"."ai_provider" ADD VALUE IF NOT EXISTS \'google\';--> statement-breakpoint\nGRANT SELECT ON "ai_usage" TO "authenticated";';
    expect(await review(sql)).toEqual([]);
  });
});
