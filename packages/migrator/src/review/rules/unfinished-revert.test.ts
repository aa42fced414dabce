import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string) => reviewExample({ sql }, "unfinished-revert");

describe("unfinished-revert", () => {
  it("flags every marker at its line and column", async () => {
    const sql =
      'DROP INDEX IF EXISTS "ai_model_provider_providerModelId_idx";--> statement-breakpoint\n  -- TODO(db:revert): reverse the REVOKE of 0003\nSELECT 1;\n-- TODO(db:revert): reverse the extension';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.column])).toEqual([
      [2, 3],
      [4, 1],
    ]);
    expect(findings[0]?.message).toBe("unfinished revert: -- TODO(db:revert): reverse the REVOKE of 0003");
  });

  it("passes a finished revert", async () => {
    expect(await review('GRANT INSERT, UPDATE, DELETE ON "ai_model" TO "authenticated";')).toEqual([]);
  });
});
