import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string) => reviewExample({ sql }, "truncate-cascade");

describe("truncate-cascade", () => {
  it("names every table of the statement", async () => {
    const findings = await review('TRUNCATE TABLE "research_plan", "ai_usage" RESTART IDENTITY CASCADE;');
    expect(findings.map((f) => f.message)).toEqual([
      'TRUNCATE "research_plan", "ai_usage" CASCADE also empties every table with a foreign key to them, tables this statement does not name',
    ]);
  });

  it("passes TRUNCATE … RESTRICT", async () => {
    expect(await review('TRUNCATE "research_plan" RESTRICT;')).toEqual([]);
  });
});
