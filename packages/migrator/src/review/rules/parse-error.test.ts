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

  it("reports a DO block whose body does not parse, at the DO block: nothing inside it is dropped unseen", async () => {
    const sql =
      'CREATE TABLE "ai_batch" ("id" text);--> statement-breakpoint\nDO $$ BEGIN\n  ALTER TABLE "ai_batch" ADD COLUMN;\nEND $$;';
    const findings = await reviewExample({ sql }, "parse-error", legacy);
    expect(findings.map((f) => f.rule)).toEqual(["parse-error"]);
    expect(findings[0]?.line).toBeGreaterThanOrEqual(2);
  });
});
