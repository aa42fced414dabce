import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"input_tokens" integer DEFAULT 0 NOT NULL\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "constraint-not-valid");

describe("constraint-not-valid", () => {
  it("warns about a check constraint added to an existing table", async () => {
    const findings = await review(
      'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_input_tokens_check" CHECK ("input_tokens" >= 0);',
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('check constraint "ai_usage_input_tokens_check"'),
    ]);
  });

  it("passes NOT VALID, and constraints on a table created in the same migration", async () => {
    expect(
      await review(
        'ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_input_tokens_check" CHECK ("input_tokens" >= 0) NOT VALID;',
      ),
    ).toEqual([]);
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"request_count" integer\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_request_count_check" CHECK ("request_count" >= 0);';
    expect(await review(sql)).toEqual([]);
  });

  it("says that a foreign key on a partitioned table takes NOT VALID only from PostgreSQL 18", async () => {
    const partitioned = [
      'CREATE TABLE "parent" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "events" ("parent_id" text, "at" date) PARTITION BY RANGE ("at");',
    ];
    const sql =
      'ALTER TABLE "events" ADD CONSTRAINT "events_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "parent"("id");';
    expect((await reviewExample({ history: partitioned, sql }, "constraint-not-valid")).map((f) => f.message)).toEqual([
      expect.stringContaining("PostgreSQL before 18 refuses a NOT VALID foreign key on it"),
    ]);
  });
});
