import { describe, expect, it } from "vitest";
import { corpusStatement } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "add-not-null-without-default");

describe("add-not-null-without-default", () => {
  it("flags NOT NULL without a default on an existing table", async () => {
    const findings = await review('ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "depends_on" text[] NOT NULL;');
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('"plan_step"."depends_on" is added NOT NULL without a default'),
    ]);
  });

  it("passes 0007's columns: NOT NULL with a default, or nullable", async () => {
    const sql =
      'ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "depends_on" text[] DEFAULT \'{}\' NOT NULL;--> statement-breakpoint\nALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "started_at" timestamp with time zone;';
    expect(await review(sql)).toEqual([]);
  });

  it("flags a table the same migration renamed first (Mail-0/Zero's 0005): it is the old table, rows and all", async () => {
    const findings = await review(
      'ALTER TABLE "plan_step" RENAME TO "research_step";--> statement-breakpoint\nALTER TABLE "research_step" ADD COLUMN "provider_id" text NOT NULL;',
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('"research_step"."provider_id" is added NOT NULL without a default'),
    ]);
  });

  it("flags a table rebuilt by the migration: a copy filled from the old one and renamed into place has its rows", async () => {
    const sql = [
      'CREATE TABLE "plan_step_new" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
      'INSERT INTO "plan_step_new" SELECT * FROM "plan_step";',
      'DROP TABLE "plan_step";',
      'ALTER TABLE "plan_step_new" RENAME TO "plan_step";',
      'ALTER TABLE "plan_step" ADD COLUMN "status" text NOT NULL;',
    ].join("--> statement-breakpoint\n");
    expect((await review(sql)).map((f) => f.line)).toEqual([7]);
  });

  it("flags a table the migration made with CREATE TABLE … AS (it has the query's rows), not one made WITH NO DATA", async () => {
    const addTo = (create: string) =>
      review(`${create};--> statement-breakpoint\nALTER TABLE "plan_step_copy" ADD COLUMN "status" text NOT NULL;`);
    expect(await addTo('CREATE TABLE "plan_step_copy" AS SELECT * FROM "plan_step"')).toHaveLength(1);
    expect(await addTo('CREATE TABLE "plan_step_copy" AS SELECT * FROM "plan_step" WITH NO DATA')).toEqual([]);
  });

  it("passes a table dropped and created again by the same migration: it is new and empty", async () => {
    const sql =
      'DROP TABLE "plan_step";--> statement-breakpoint\nCREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "plan_step" ADD COLUMN "status" text NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });

  it("passes a NOT NULL column of a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ADD COLUMN "status" text NOT NULL;';
    expect(await review(sql)).toEqual([]);
  });

  it("leaves a serial primary key to add-serial-column: it does not fail, it rewrites the table", async () => {
    expect(await review('ALTER TABLE "plan_step" ADD COLUMN "seq" bigserial PRIMARY KEY;')).toEqual([]);
    const findings = await reviewExample(
      { history, sql: 'ALTER TABLE "plan_step" ADD COLUMN "seq" bigserial PRIMARY KEY;' },
      "add-serial-column",
    );
    expect(findings.map((f) => f.rule)).toEqual(["add-serial-column"]);
  });

  it("passes a serial column: PostgreSQL fills it from its sequence (giselle 0021)", async () => {
    const sql = corpusStatement(
      "giselles-ai__giselle",
      "0021_watery_microchip",
      'ALTER TABLE "github_integration_settings"',
    );
    const history = ['CREATE TABLE "github_integration_settings" (\n\t"id" text NOT NULL\n);'];
    expect(await reviewExample({ history, sql }, "add-not-null-without-default")).toEqual([]);
    expect(await review('ALTER TABLE "plan_step" ADD COLUMN "seq" integer NOT NULL;')).toHaveLength(1);
  });

  it("flags DEFAULT NULL, which fills every existing row with NULL (PostgreSQL: contains null values)", async () => {
    const orders = ['CREATE TABLE "orders" ("id" text PRIMARY KEY NOT NULL, "status" text, "name" varchar(100));'];
    const sql = [
      'ALTER TABLE "orders" ADD COLUMN "qty" integer DEFAULT NULL NOT NULL;',
      'ALTER TABLE "orders" ADD COLUMN "price" integer DEFAULT NULL::integer NOT NULL;',
      'ALTER TABLE "orders" ADD COLUMN "note" text NOT NULL DEFAULT CAST((NULL) AS text);',
      'ALTER TABLE "orders" ADD COLUMN "fee" integer DEFAULT 0 NOT NULL;',
    ].join("--> statement-breakpoint\n");
    const findings = await reviewExample({ history: orders, sql }, "add-not-null-without-default");
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        1,
        '"orders"."qty" is added NOT NULL with DEFAULT NULL, which is no default: the migration fails once "orders" has rows',
      ],
      [
        2,
        '"orders"."price" is added NOT NULL with DEFAULT NULL, which is no default: the migration fails once "orders" has rows',
      ],
      [
        3,
        '"orders"."note" is added NOT NULL with DEFAULT NULL, which is no default: the migration fails once "orders" has rows',
      ],
    ]);
  });
});
