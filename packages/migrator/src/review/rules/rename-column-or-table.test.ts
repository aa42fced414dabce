import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "rename-column-or-table");

describe("rename-column-or-table", () => {
  it("flags a table rename, also inside a guarded DO block", async () => {
    const sql =
      'DO $$ BEGIN\n  ALTER TABLE "plan_step" RENAME TO "research_step";\nEXCEPTION WHEN undefined_table THEN null;\nEND $$;';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.message.split(":")[0]])).toEqual([
      [2, 'RENAME of table "plan_step" TO "research_step"'],
    ]);
  });

  it("flags moving an existing table to another schema: the old code's queries no longer find it", async () => {
    const findings = await review(
      'CREATE SCHEMA "app";--> statement-breakpoint\nALTER TABLE "plan_step" SET SCHEMA "app";',
    );
    expect(findings.map((f) => [f.line, f.message.split(":")[0]])).toEqual([
      [2, 'SET SCHEMA "app" of table "plan_step"'],
    ]);
  });

  it("passes renaming or moving a table the migration created, even under an existing table's name", async () => {
    const sql = [
      'DROP TABLE "plan_step";',
      'CREATE TABLE "plan_step" ("id" text PRIMARY KEY NOT NULL);',
      'ALTER TABLE "plan_step" RENAME TO "research_step";',
      'CREATE TABLE "scratch" ("id" text);',
      'ALTER TABLE "scratch" SET SCHEMA "app";',
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("passes renames of what the same migration created, and index renames", async () => {
    const sql =
      'ALTER TABLE "plan_step" ADD COLUMN "msg" text;--> statement-breakpoint\nALTER TABLE "plan_step" RENAME COLUMN "msg" TO "message";--> statement-breakpoint\nALTER INDEX "plan_step_pkey" RENAME TO "plan_step_id_pkey";';
    expect(await review(sql)).toEqual([]);
  });
});
