import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

/** Before the guard baseline, so that missing-guard stays out of these findings. */
const legacy = { ...EXAMPLE_CONFIG, guardBaseline: "9999" };

describe("parse-error", () => {
  it("reports the parser's message at its position and keeps reviewing the other statements", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL\n;--> statement-breakpoint\nDROP TABLE "ai_batch";';
    const findings = await reviewExample({ sql }, undefined, legacy);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ["parse-error", 3],
      ["drop-statement", 4],
    ]);
    expect(findings[0]?.message).toContain("syntax error");
  });

  it("reports a statement breakpoint inside a DO block", async () => {
    const sql =
      "DO $$ BEGIN\n  CREATE TYPE \"x\" AS ENUM('a');--> statement-breakpoint\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;";
    const findings = await reviewExample({ sql }, "parse-error");
    expect(findings.length).toBeGreaterThan(0);
  });

  it("reports a DO block whose body does not parse, at the statement inside at fault: nothing inside it is dropped unseen", async () => {
    const sql =
      'CREATE TABLE "ai_batch" ("id" text);--> statement-breakpoint\nDO $$ BEGIN\n  ALTER TABLE "ai_batch" ADD COLUMN;\nEND $$;';
    const findings = await reviewExample({ sql }, "parse-error", legacy);
    expect(findings.map((f) => [f.rule, f.line, f.column, f.message])).toEqual([
      ["parse-error", 3, 36, "PostgreSQL cannot parse this statement: syntax error at end of input"],
    ]);
  });

  describe("a statement whose expression nests thousands deep (valid SQL PostgreSQL runs)", () => {
    const concatenation = (terms: number) => Array.from({ length: terms }, () => "'x'").join(" || ");
    const history = ['CREATE TABLE "note" ("body" text, "n" integer);'];

    // How deep a walk goes before the stack runs out depends on how deep the caller already is
    // (a test worker's stack is not a command's): 1,000 terms is well inside it everywhere.
    it("of 1,000 terms is reviewed as any other", async () => {
      const sql = `INSERT INTO "note" ("body") VALUES (${concatenation(1000)});`;
      expect(await reviewExample({ history, sql }, undefined, legacy)).toEqual([]);
    });

    it("that the review's walks cannot follow is reported as unreadable, not refused by PostgreSQL, and the review goes on", async () => {
      const check = Array.from({ length: 1000 }, () => "1").join(" + ");
      const sql = `ALTER TABLE "note" ADD CONSTRAINT "note_n_check" CHECK ("n" < ${check});--> statement-breakpoint\nCREATE INDEX "note_body_idx" ON "note" ("body");`;
      const findings = await reviewExample({ history, sql }, undefined, legacy);
      expect(findings.map((f) => [f.rule, f.line])).toEqual([
        ["parse-error", 1],
        ["non-concurrent-index", 2],
      ]);
      expect(findings[0]?.message).toMatch(/^the review cannot read this statement: its expression nests deeper/);
    });

    it("that the parser cannot follow is reported the same way", async () => {
      const sql = `INSERT INTO "note" ("body") VALUES (${concatenation(12000)});`;
      const findings = await reviewExample({ history, sql }, undefined, legacy);
      expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^the review cannot read this statement/)]);
    });
  });
});
