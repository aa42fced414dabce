import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "./testing/review-example.ts";

/** Before the guard baseline, so that missing-guard stays out of these findings. */
const legacy = { ...EXAMPLE_CONFIG, guardBaseline: "9999" };

const history = [
  'CREATE TABLE "ai_usage" ("id" text PRIMARY KEY NOT NULL, "correlation_id" text);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_correlation_idx" ON "ai_usage" ("correlation_id");',
  'CREATE TABLE "customer" ("id" text PRIMARY KEY NOT NULL);',
];

const rulesAndLines = (findings: { rule: string; line: number }[]) => findings.map((f) => [f.rule, f.line]);

describe("-- review-ignore", () => {
  it("accepts the findings of the one statement below it, not of the next statement in the same chunk", async () => {
    // No statement-breakpoint between the two DROPs: one chunk, two statements (a hand-written file).
    const sql = [
      "-- Manual addition: the old correlation index goes.",
      "-- review-ignore drop-statement: replaced by the tenant index",
      "-- review-ignore non-concurrent-drop-index: ai_usage is small",
      'DROP INDEX IF EXISTS "ai_usage_correlation_idx";',
      'DROP TABLE IF EXISTS "customer" CASCADE;',
    ].join("\n");
    const findings = await reviewExample({ history, sql }, undefined, legacy);
    expect(rulesAndLines(findings)).toEqual([["drop-statement", 5]]);
    expect(findings[0]?.message).toContain('"customer"');
  });

  it("between two statements of one chunk, accepts the findings of the one below it", async () => {
    const sql = [
      "-- Manual addition: both go.",
      "-- review-ignore drop-statement: replaced by the tenant index",
      "-- review-ignore non-concurrent-drop-index: ai_usage is small",
      'DROP INDEX IF EXISTS "ai_usage_correlation_idx";',
      "-- review-ignore drop-statement: customers moved to the billing service",
      'DROP TABLE IF EXISTS "customer" CASCADE;',
    ].join("\n");
    expect(await reviewExample({ history, sql }, undefined, legacy)).toEqual([]);
  });

  it("above a DO block, accepts the findings of the statements inside it", async () => {
    const sql = [
      "-- Manual addition: the customer table goes where it exists.",
      "-- review-ignore drop-statement: customers moved to the billing service",
      "DO $$ BEGIN",
      '  DROP TABLE IF EXISTS "customer" CASCADE;',
      "END $$;",
    ].join("\n");
    expect(await reviewExample({ history, sql }, undefined, legacy)).toEqual([]);
  });

  it("inside a DO block, accepts the statement below it even when a comment higher up copies that statement", async () => {
    const block = (ignore: string[]) =>
      [
        "DO $$ BEGIN",
        '  ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "note" text;',
        '  -- Was: DROP TABLE IF EXISTS "customer" CASCADE;',
        ...ignore,
        '  DROP TABLE IF EXISTS "customer" CASCADE;',
        "END $$;",
      ].join("\n");
    const unsuppressed = await reviewExample({ history, sql: block([]) }, undefined, legacy);
    expect(rulesAndLines(unsuppressed)).toEqual([["drop-statement", 4]]);
    const ignore = ["  -- review-ignore drop-statement: customers moved to the billing service"];
    expect(await reviewExample({ history, sql: block(ignore) }, undefined, legacy)).toEqual([]);
  });

  it("at the end of a chunk, with no statement below it, suppresses nothing", async () => {
    const sql = [
      "-- Manual addition: the customer table goes.",
      'DROP TABLE IF EXISTS "customer" CASCADE;',
      "-- review-ignore drop-statement: too late, below the statement",
    ].join("\n");
    const findings = await reviewExample({ history, sql }, undefined, legacy);
    expect(rulesAndLines(findings)).toEqual([["drop-statement", 2]]);
  });

  // A line that reads like a suppression inside the statement before, a string or a block comment.
  it.each([
    [
      "a comment between the columns of a CREATE TABLE",
      'CREATE TABLE "note" (\n\t"id" text,\n-- review-ignore drop-statement: hidden in the table\n\t"body" text);\nDROP TABLE IF EXISTS "customer" CASCADE;',
    ],
    [
      "a line of a string literal",
      'INSERT INTO "ai_usage" ("id") VALUES (\'a\n-- review-ignore drop-statement: hidden in a string\n\');\nDROP TABLE IF EXISTS "customer" CASCADE;',
    ],
    [
      "a line of a block comment",
      '/* a note\n-- review-ignore drop-statement: hidden in a block comment\n*/\nDROP TABLE IF EXISTS "customer" CASCADE;',
    ],
    [
      "a function's body",
      'CREATE FUNCTION "noop"() RETURNS void LANGUAGE sql AS $$\n-- review-ignore drop-statement: hidden in a body\nSELECT 1\n$$;\nDROP TABLE IF EXISTS "customer" CASCADE;',
    ],
  ])("is not read from %s", async (_where, body) => {
    const sql = `-- Manual addition: hostile.\n${body}`;
    const findings = await reviewExample({ history, sql }, "drop-statement", legacy);
    expect(findings.map((f) => f.message)).toEqual(['DROP TABLE "customer" deletes it for good']);
  });

  it("is read with Windows line endings", async () => {
    const sql = [
      "-- Manual addition: the customer table goes.",
      "-- review-ignore drop-statement: customers moved to the billing service",
      'DROP TABLE IF EXISTS "customer" CASCADE;',
    ].join("\r\n");
    expect(await reviewExample({ history, sql }, undefined, legacy)).toEqual([]);
  });
});
