import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "set-not-null");

describe("set-not-null", () => {
  it("warns on an existing table", async () => {
    const findings = await review('ALTER TABLE "ai_usage" ALTER COLUMN "user_id" SET NOT NULL;');
    expect(findings.map((f) => f.severity)).toEqual(["warning"]);
  });

  it("passes a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"user_id" text\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ALTER COLUMN "user_id" SET NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });

  it("passes SET NOT NULL on a column that is NOT NULL already (Dokploy 0066 sets it twice)", async () => {
    const sql = [
      'ALTER TABLE "ai_usage" ALTER COLUMN "user_id" SET NOT NULL;',
      'ALTER TABLE "ai_usage" ALTER COLUMN "user_id" SET NOT NULL;',
      'ALTER TABLE "ai_usage" ALTER COLUMN "id" SET NOT NULL;',
    ].join("--> statement-breakpoint\n");
    expect((await review(sql)).map((f) => f.line)).toEqual([1]);
  });
});
