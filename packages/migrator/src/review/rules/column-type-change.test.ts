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

  const orders = ['CREATE TABLE "orders" ("id" text PRIMARY KEY NOT NULL, "status" text, "name" varchar(100));'];
  const reviewOrders = (sql: string) => reviewExample({ history: orders, sql }, "column-type-change");

  it("flags a USING expression that computes new values, though the new type alone would keep them (PostgreSQL rewrites the table)", async () => {
    const longer = await reviewOrders(
      'ALTER TABLE "orders" ALTER COLUMN "name" SET DATA TYPE varchar(200) USING lower("name");',
    );
    expect(longer.map((f) => f.message)).toEqual([
      'the type of "orders"."name" changes from varchar(100) to varchar(200) with a USING expression that recomputes every value: the table is rewritten and deployed code may break',
    ]);
    const same = await reviewOrders(
      'ALTER TABLE "orders" ALTER COLUMN "status" SET DATA TYPE text USING "status" || \'\';',
    );
    expect(same.map((f) => f.message)).toEqual([
      '"orders"."status" keeps its type text but its USING expression recomputes every value: the table is rewritten and deployed code may break',
    ]);
    // A cast to a type other than the new one converts twice: varchar(100) → varchar(50) cuts values.
    expect(
      await reviewOrders(
        'ALTER TABLE "orders" ALTER COLUMN "name" SET DATA TYPE varchar(200) USING "name"::varchar(50);',
      ),
    ).toHaveLength(1);
  });

  it("passes a USING that is the column itself or its cast to the new type (PostgreSQL 15 keeps the table's file)", async () => {
    const sql = [
      'ALTER TABLE "orders" ALTER COLUMN "name" SET DATA TYPE varchar(200) USING "name";',
      'ALTER TABLE "orders" ALTER COLUMN "name" SET DATA TYPE varchar(300) USING "name"::varchar(300);',
      'ALTER TABLE "orders" ALTER COLUMN "name" SET DATA TYPE varchar(400) USING CAST("name" AS varchar(400));',
      'ALTER TABLE "orders" ALTER COLUMN "status" SET DATA TYPE text USING "status"::text;',
    ].join("--> statement-breakpoint\n");
    expect(await reviewOrders(sql)).toEqual([]);
  });

  it("passes a table created earlier in the same migration: it has no rows and no deployed code uses it", async () => {
    const sql =
      'CREATE TABLE "invoice" ("id" text PRIMARY KEY NOT NULL, "total" integer);--> statement-breakpoint\nALTER TABLE "invoice" ALTER COLUMN "total" SET DATA TYPE numeric(12, 2) USING "total" / 100.0;';
    expect(await reviewOrders(sql)).toEqual([]);
  });

  it("flags a table the migration rebuilt from the old one: the copy has its rows", async () => {
    const sql = [
      'CREATE TABLE "orders_new" ("id" text PRIMARY KEY NOT NULL, "status" text, "name" varchar(100));',
      'INSERT INTO "orders_new" SELECT * FROM "orders";',
      'DROP TABLE "orders";',
      'ALTER TABLE "orders_new" RENAME TO "orders";',
      'ALTER TABLE "orders" ALTER COLUMN "status" SET DATA TYPE integer USING "status"::integer;',
    ].join("--> statement-breakpoint\n");
    expect((await reviewOrders(sql)).map((f) => f.line)).toEqual([5]);
  });
});
