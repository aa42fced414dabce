import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'];
/** The history with a counter column, for an UPDATE that moves it on. */
const counted = [...history, 'ALTER TABLE "ai_usage" ADD COLUMN "calls" integer DEFAULT 0 NOT NULL;'];
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

  it("flags an INSERT without ON CONFLICT or NOT EXISTS, and an UPDATE that reads the column it sets: a retry repeats them", async () => {
    const sql =
      '-- migrator:no-transaction\nINSERT INTO "ai_usage" ("id") VALUES (\'a\');--> statement-breakpoint\nUPDATE "ai_usage" SET "calls" = "calls" + 1;--> statement-breakpoint\nDO $$ BEGIN INSERT INTO "ai_usage" ("id") VALUES (\'b\'); END $$;';
    const findings = await reviewExample({ history: counted, sql }, "no-transaction-not-rerunnable");
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        2,
        'INSERT INTO "ai_usage" without ON CONFLICT or WHERE NOT EXISTS on "ai_usage": a retry of this no-transaction migration after a partial failure changes the data again',
      ],
      [
        3,
        'UPDATE "ai_usage" sets "calls" from its own value: a retry of this no-transaction migration after a partial failure changes the data again',
      ],
      [
        4,
        'INSERT INTO "ai_usage" without ON CONFLICT or WHERE NOT EXISTS on "ai_usage": a retry of this no-transaction migration after a partial failure changes the data again',
      ],
    ]);
  });

  it("passes data changes that leave the data as it is on a second run", async () => {
    const sql =
      '-- migrator:no-transaction\nINSERT INTO "ai_usage" ("id") VALUES (\'a\') ON CONFLICT DO NOTHING;--> statement-breakpoint\nINSERT INTO "ai_usage" ("id") SELECT \'b\' WHERE NOT EXISTS (SELECT 1 FROM "ai_usage" WHERE "id" = \'b\');--> statement-breakpoint\nUPDATE "ai_usage" SET "correlation_id" = NULL WHERE "id" = \'a\';--> statement-breakpoint\nDELETE FROM "ai_usage" WHERE "id" = \'b\';';
    expect(await review(sql)).toEqual([]);
  });

  it("leaves data changes in a migration that runs in a transaction alone", async () => {
    expect(await review('INSERT INTO "ai_usage" ("id") VALUES (\'a\');')).toEqual([]);
  });
});
