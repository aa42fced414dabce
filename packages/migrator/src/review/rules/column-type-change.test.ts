import { describe, expect, it } from "vitest";
import { corpusStatement } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"cost_usd" numeric(14, 6) NOT NULL\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "column-type-change");

describe("column-type-change", () => {
  it("flags SET DATA TYPE with a USING clause", async () => {
    const findings = await review(
      'ALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DATA TYPE numeric(18, 8) USING "cost_usd"::numeric(18, 8);',
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('"ai_usage"."cost_usd"')]);
  });

  it("passes other column changes", async () => {
    expect(await review('ALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DEFAULT 0;')).toEqual([]);
  });

  it("names the old and the new type", async () => {
    const findings = await review('ALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DATA TYPE text;');
    expect(findings.map((f) => f.message)).toEqual([
      'the type of "ai_usage"."cost_usd" changes from numeric(14,6) to text: the table is rewritten and deployed code may break',
    ]);
  });

  it("passes changes that keep every value: a collation (sim 0228), a dropped modifier (giselle 0045), a longer varchar", async () => {
    const collation = corpusStatement(
      "simstudioai__sim",
      "0228_order_key_binary_collation",
      'ALTER TABLE "user_table_rows" ALTER COLUMN "order_key"',
    );
    const rows = 'CREATE TABLE "user_table_rows" ("id" text PRIMARY KEY NOT NULL, "order_key" text NOT NULL);';
    expect(await reviewExample({ history: [rows], sql: collation }, "column-type-change")).toEqual([]);
    // giselle 0045's ALTER COLUMN "embedding" SET DATA TYPE vector, from vector(1536).
    const embeddings =
      'CREATE TABLE "github_repository_embeddings" ("id" serial PRIMARY KEY NOT NULL, "embedding" vector(1536) NOT NULL);';
    const dimension = 'ALTER TABLE "github_repository_embeddings" ALTER COLUMN "embedding" SET DATA TYPE vector;';
    expect(await reviewExample({ history: [embeddings], sql: dimension }, "column-type-change")).toEqual([]);
    const names = 'CREATE TABLE "t" ("a" varchar(32), "b" varchar(32));';
    const longer =
      'ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE varchar(64);--> statement-breakpoint\nALTER TABLE "t" ALTER COLUMN "b" SET DATA TYPE varchar(16);';
    expect((await reviewExample({ history: [names], sql: longer }, "column-type-change")).map((f) => f.line)).toEqual([
      2,
    ]);
  });
});
