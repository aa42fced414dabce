import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

/** Before the guard baseline, so that missing-guard stays out of these findings. */
const legacy = { ...EXAMPLE_CONFIG, guardBaseline: "9999" };

describe("unused-suppression", () => {
  it("reports a suppression naming an unknown rule", async () => {
    const findings = await reviewExample(
      { sql: '-- review-ignore fk-ondelete: typo\nCREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);' },
      undefined,
      legacy,
    );
    expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ["unused-suppression", 1, '"-- review-ignore fk-ondelete" names no known rule'],
    ]);
  });

  it("reports a suppression that is not on the statement with the finding", async () => {
    const sql =
      '-- review-ignore drop-statement: the old table is unused\nCREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nDROP TABLE "ai_model_old";';
    const findings = await reviewExample({ sql }, undefined, legacy);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ["drop-statement", 6],
      ["unused-suppression", 1],
    ]);
  });
});
