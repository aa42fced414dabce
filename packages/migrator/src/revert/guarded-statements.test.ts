import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { guardedStatement } from "./guarded-statements.ts";

beforeAll(loadParser);

const guarded = (sql: string) => guardedStatement({ sql, comments: [] }).sql;
const wrapped = (statement: string) =>
  `DO $$ BEGIN\n  ${statement};\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$;`;

describe("the guard db:revert writes on each statement Drizzle Kit generates", () => {
  it.each([
    ['DROP TABLE "task" CASCADE;', 'DROP TABLE IF EXISTS "task" CASCADE;'],
    ['DROP INDEX "account_note_idx";', 'DROP INDEX IF EXISTS "account_note_idx";'],
    ['DROP POLICY "account_read" ON "account" CASCADE;', 'DROP POLICY IF EXISTS "account_read" ON "account" CASCADE;'],
    ['DROP TYPE "public"."label";', 'DROP TYPE IF EXISTS "public"."label";'],
    ['DROP VIEW "public"."account_names";', 'DROP VIEW IF EXISTS "public"."account_names";'],
    ['DROP SEQUENCE "public"."ticket_seq";', 'DROP SEQUENCE IF EXISTS "public"."ticket_seq";'],
    ['DROP SCHEMA "audit";\n', 'DROP SCHEMA IF EXISTS "audit";\n'],
    ['DROP ROLE "kinds_reader";', 'DROP ROLE IF EXISTS "kinds_reader";'],
    ['ALTER TABLE "account" DROP COLUMN "note";', 'ALTER TABLE "account" DROP COLUMN IF EXISTS "note";'],
    [
      'ALTER TABLE "account" DROP CONSTRAINT "account_name_unique";',
      'ALTER TABLE "account" DROP CONSTRAINT IF EXISTS "account_name_unique";',
    ],
    [
      'CREATE TABLE "task" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n',
      'CREATE TABLE IF NOT EXISTS "task" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n',
    ],
    [
      'CREATE INDEX "account_note_idx" ON "account" USING btree ("note");',
      'CREATE INDEX IF NOT EXISTS "account_note_idx" ON "account" USING btree ("note");',
    ],
    ['CREATE SCHEMA "audit";\n', 'CREATE SCHEMA IF NOT EXISTS "audit";\n'],
    [
      'CREATE SEQUENCE "public"."ticket_seq" START WITH 1;',
      'CREATE SEQUENCE IF NOT EXISTS "public"."ticket_seq" START WITH 1;',
    ],
    ['ALTER TABLE "account" ADD COLUMN "note" text;', 'ALTER TABLE "account" ADD COLUMN IF NOT EXISTS "note" text;'],
  ])("%s → %s", (sql, expected) => {
    expect(guarded(sql)).toBe(expected);
  });

  it.each([
    'ALTER TABLE "project" ADD CONSTRAINT "project_account_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE cascade ON UPDATE no action',
    'CREATE POLICY "account_read" ON "account" AS PERMISSIVE FOR SELECT TO "kinds_reader" USING (true)',
    "CREATE TYPE \"public\".\"label\" AS ENUM('red', 'green')",
    'CREATE ROLE "kinds_reader"',
  ])("wraps what has no IF NOT EXISTS in the DO block that catches the duplicate: %s", (statement) => {
    expect(guarded(`${statement};`)).toBe(wrapped(statement));
  });

  it("wraps a view rather than making it OR REPLACE, which db:review would not recognise as Drizzle Kit's", () => {
    const view = 'CREATE VIEW "public"."account_names" AS (select "id" from "account")';
    expect(guarded(`${view};`)).toBe(wrapped(view));
  });

  it("leaves alone what runs again as it is, and what is guarded already", () => {
    for (const sql of [
      'ALTER TABLE "account" ENABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "account" ALTER COLUMN "score" SET DEFAULT 0;',
      'ALTER TABLE "account" ALTER COLUMN "title" SET NOT NULL;',
      'ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE text;',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
      wrapped('CREATE ROLE "kinds_reader"'),
    ])
      expect(guarded(sql)).toBe(sql);
  });

  it("keeps the statement's comments and data-loss marking", () => {
    const statement = { sql: 'ALTER TABLE "t" DROP COLUMN "c";', comments: ["-- why"], dataLoss: "drops it" };
    expect(guardedStatement(statement)).toEqual({ ...statement, sql: 'ALTER TABLE "t" DROP COLUMN IF EXISTS "c";' });
  });
});
