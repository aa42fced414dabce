import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseSql } from "../../sql/parse-migration.ts";
import { missingGuard } from "../guards.ts";
import { applyInsertions, concurrentIndexInsertions, guardFix, wrapInDoBlock } from "./statement-fixes.ts";

beforeAll(() => loadParser());

/** The statement as --fix guards it. */
function guarded(sql: string): string {
  const [unit] = parseSql(sql);
  if (!unit) throw new Error("no statement");
  const fix = guardFix(unit);
  if (!fix || "unfixable" in fix) throw new Error(`not fixable: ${JSON.stringify(fix)}`);
  const text = applyInsertions(unit.text, fix.insertions);
  return fix.wrap ? wrapInDoBlock(text) : `${text};`;
}

/** Whether guards.ts finds every statement of the SQL guarded. */
function unguarded(sql: string): string[] {
  return parseSql(sql).flatMap((unit) => missingGuard(unit) ?? []);
}

describe("--fix guards", () => {
  const cases: [string, string][] = [
    ['CREATE TABLE "t" ("id" text)', 'CREATE TABLE IF NOT EXISTS "t" ("id" text);'],
    [
      'CREATE UNIQUE INDEX CONCURRENTLY "i" ON "t" ("id")',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "t" ("id");',
    ],
    ["CREATE EXTENSION vector", "CREATE EXTENSION IF NOT EXISTS vector;"],
    ["ALTER TYPE \"s\" ADD VALUE 'x' BEFORE 'y'", "ALTER TYPE \"s\" ADD VALUE IF NOT EXISTS 'x' BEFORE 'y';"],
    ['DROP MATERIALIZED VIEW "v", "w" CASCADE', 'DROP MATERIALIZED VIEW IF EXISTS "v", "w" CASCADE;'],
    ['DROP INDEX CONCURRENTLY "i"', 'DROP INDEX CONCURRENTLY IF EXISTS "i";'],
    ['DROP POLICY "p" ON "t"', 'DROP POLICY IF EXISTS "p" ON "t";'],
    [
      'ALTER TABLE "t" ADD "a" text, ADD COLUMN "b" int, DROP COLUMN "c", DROP "d", ALTER COLUMN "e" DROP NOT NULL, DROP CONSTRAINT "k"',
      'ALTER TABLE "t" ADD IF NOT EXISTS "a" text, ADD COLUMN IF NOT EXISTS "b" int, DROP COLUMN IF EXISTS "c", DROP IF EXISTS "d", ALTER COLUMN "e" DROP NOT NULL, DROP CONSTRAINT IF EXISTS "k";',
    ],
    [
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
      "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
    ],
    [
      'CREATE POLICY "p" ON "t" USING (true)',
      'DO $$ BEGIN\n  CREATE POLICY "p" ON "t" USING (true);\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$;',
    ],
  ];
  for (const [input, output] of cases) {
    it(`guards ${input.slice(0, 40)}…, and guards.ts accepts the result`, () => {
      expect(unguarded(input).length).toBeGreaterThan(0);
      expect(guarded(input)).toBe(output);
      expect(unguarded(output)).toEqual([]);
    });
  }

  it("picks a dollar quote the statement does not use", () => {
    const sql = 'CREATE POLICY "p" ON "t" USING (current_setting(\'x\') = $$a$$)';
    const fixed = guarded(sql);
    expect(fixed.startsWith("DO $fix1$ BEGIN")).toBe(true);
    expect(unguarded(fixed)).toEqual([]);
  });

  it("leaves what it cannot guard mechanically, saying why", () => {
    const [rename] = parseSql('ALTER TABLE "t" RENAME COLUMN "a" TO "b"');
    expect(guardFix(rename!)).toEqual({ unfixable: expect.stringContaining("no mechanical guard") });
    const inner = parseSql('DO $$ BEGIN CREATE INDEX "i" ON "t" ("a"); END $$')[1];
    expect(guardFix(inner!)).toEqual({ unfixable: expect.stringContaining("inside a DO block") });
  });

  it("builds an index CONCURRENTLY, keeping an IF NOT EXISTS already there", () => {
    const [plain] = parseSql('CREATE INDEX IF NOT EXISTS "i" ON "t" ("a")');
    expect(applyInsertions(plain!.text, concurrentIndexInsertions(plain!))).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "t" ("a")',
    );
  });
});
