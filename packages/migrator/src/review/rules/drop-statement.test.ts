import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text\n);\n--> statement-breakpoint\nCREATE INDEX "research_plan_title_idx" ON "research_plan" USING btree ("title");',
];
const review = (sql: string) => reviewExample({ history, sql }, "drop-statement");

describe("drop-statement", () => {
  it("flags DROP TABLE, DROP INDEX (even with IF EXISTS) and DROP POLICY, naming the object", async () => {
    const findings = await review(
      'DROP TABLE "research_plan" CASCADE;--> statement-breakpoint\nDROP INDEX IF EXISTS "research_plan_title_idx";--> statement-breakpoint\nDROP POLICY "research_plan_select" ON "research_plan" CASCADE;',
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [1, 'DROP TABLE "research_plan" deletes it for good'],
      [2, 'DROP INDEX "research_plan_title_idx" deletes it for good'],
      [3, 'DROP POLICY "research_plan_select" ON "research_plan" deletes it for good'],
    ]);
  });

  it("flags ALTER TABLE … DROP COLUMN and DROP CONSTRAINT", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" DROP CONSTRAINT "research_plan_title_unique";--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    );
    expect(findings.map((f) => f.message)).toEqual([
      'DROP CONSTRAINT "research_plan_title_unique" on "research_plan" deletes it for good',
      'DROP COLUMN "title" on "research_plan" deletes it for good',
    ]);
  });

  it("passes additive migrations", async () => {
    expect(await review('ALTER TABLE "research_plan" ADD COLUMN "summary" text;')).toEqual([]);
  });

  it("names a dropped function or procedure by its signature", async () => {
    const findings = await review("DROP FUNCTION IF EXISTS create_project(text, uuid, text);");
    expect(findings.map((f) => f.message)).toEqual([
      'DROP FUNCTION "create_project"(text, uuid, text) deletes it for good',
    ]);
  });

  it("passes dropping what the same migration created (a helper procedure, called once)", async () => {
    const sql = [
      "CREATE OR REPLACE PROCEDURE backfill_0220() LANGUAGE plpgsql AS $$ BEGIN UPDATE research_plan SET title = ''; END $$;",
      "CALL backfill_0220();",
      "DROP PROCEDURE backfill_0220();",
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("passes an index, constraint, trigger or policy dropped and created again in the same migration", async () => {
    const sql = [
      'DROP INDEX IF EXISTS "research_plan_title_idx";',
      'CREATE INDEX "research_plan_title_idx" ON "research_plan" USING btree ("title","id");',
      'ALTER TABLE "research_plan" DROP CONSTRAINT "research_plan_title_check";',
      'ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_title_check" CHECK ("title" <> \'\');',
      'DROP TRIGGER IF EXISTS "research_plan_touch" ON "research_plan";',
      'CREATE TRIGGER "research_plan_touch" BEFORE UPDATE ON "research_plan" FOR EACH ROW EXECUTE FUNCTION touch();',
      'DROP POLICY "research_plan_select" ON "research_plan" CASCADE;',
      'CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);',
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("matches a drop in another schema with its create there, and not with the public table of that name", async () => {
    // Supabase's handle_new_user trigger on auth.users, replaced; a helper table in "app" created and dropped.
    const schemas = [
      'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE SCHEMA "app";\n--> statement-breakpoint\nCREATE TABLE "auth"."users" ("id" uuid PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "users" ("id" uuid PRIMARY KEY);',
    ];
    const reviewSchemas = (sql: string) => reviewExample({ history: schemas, sql }, "drop-statement");
    const replaced = [
      'DROP TRIGGER IF EXISTS "on_auth_user_created" ON "auth"."users";',
      'CREATE TRIGGER "on_auth_user_created" AFTER INSERT ON "auth"."users" FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();',
      'DROP POLICY "users_select" ON "auth"."users" CASCADE;',
      'CREATE POLICY "users_select" ON "auth"."users" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);',
      'CREATE TABLE "app"."backfill_ids" ("id" uuid);',
      'DROP TABLE "app"."backfill_ids";',
    ].join("--> statement-breakpoint\n");
    expect(await reviewSchemas(replaced)).toEqual([]);
    // Created in one schema, dropped in another: the drop removes a table that was there before.
    const elsewhere = [
      'CREATE TRIGGER "on_user_created" AFTER INSERT ON "auth"."users" FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();',
      'DROP TRIGGER "on_user_created" ON "users";',
      'CREATE TABLE "auth"."users_copy" ("id" uuid);',
      'DROP TABLE "users";',
    ].join("--> statement-breakpoint\n");
    expect((await reviewSchemas(elsewhere)).map((f) => f.message)).toEqual([
      'DROP TRIGGER "on_user_created" ON "users" deletes it for good',
      'DROP TABLE "users" deletes it for good',
    ]);
  });

  it("still flags a table or column dropped and created again (its data is gone), and a cascading type drop", async () => {
    const sql = [
      'DROP TABLE "research_plan" CASCADE;',
      'CREATE TABLE "research_plan" ("id" text PRIMARY KEY NOT NULL);',
      'ALTER TABLE "research_plan" DROP COLUMN "id";',
      'ALTER TABLE "research_plan" ADD COLUMN "id" text;',
      'DROP TYPE "public"."plan_status" CASCADE;',
      'CREATE TYPE "public"."plan_status" AS ENUM(\'draft\');',
    ].join("--> statement-breakpoint\n");
    expect((await review(sql)).map((f) => f.line)).toEqual([1, 3, 5]);
  });

  it("passes a constraint or index replaced by the same one under a new name (after a table rename)", async () => {
    const earlier = [
      'CREATE TABLE "plan_step" ("id" text PRIMARY KEY NOT NULL, "plan_id" text);',
      'ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;',
      'CREATE INDEX "plan_step_plan_idx" ON "plan_step" USING btree ("plan_id");',
      'CREATE INDEX "plan_step_id_plan_idx" ON "plan_step" USING btree ("id","plan_id");',
    ].join("--> statement-breakpoint\n");
    const sql = [
      'ALTER TABLE "research_plan" RENAME TO "plan";',
      'ALTER TABLE "plan_step" DROP CONSTRAINT "plan_step_plan_id_research_plan_id_fk";',
      'ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plan"("id") ON DELETE cascade ON UPDATE no action;',
      'DROP INDEX "plan_step_plan_idx";',
      'CREATE INDEX "plan_step_plan_id_idx" ON "plan_step" USING btree ("plan_id");',
      // Not the same index: the columns in another order.
      'DROP INDEX "plan_step_id_plan_idx";',
      'CREATE INDEX "plan_step_plan_id_id_idx" ON "plan_step" USING btree ("plan_id","id");',
    ].join("--> statement-breakpoint\n");
    const findings = await reviewExample({ history: [...history, earlier], sql }, "drop-statement");
    expect(findings.map((f) => f.message)).toEqual(['DROP INDEX "plan_step_id_plan_idx" deletes it for good']);
  });
});
