import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"cost_usd" numeric(14, 6) NOT NULL\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "column-type-change");

describe("column-type-change", () => {
  it("flags SET DATA TYPE with a USING clause", async () => {
    const findings = await review(
      'ALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DATA TYPE numeric(18, 8) USING "cost_usd"::numeric(18, 8);',
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('"ai_usage"."cost_usd"')]);
  });

  it("passes other column changes", async () => {
    expect(await review('ALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DEFAULT 0;')).toEqual([]);
  });
});
