import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const review = (sql: string) => reviewExample({ sql }, "timestamp-without-time-zone");

describe("timestamp-without-time-zone", () => {
  it("flags timestamp(3) and an explicit WITHOUT TIME ZONE", async () => {
    const sql =
      'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"a" timestamp(3),\n\t"b" timestamp without time zone DEFAULT now()\n);';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.column])).toEqual([
      [3, 6],
      [4, 6],
    ]);
  });

  it("passes timestamptz and time zone–aware columns", async () => {
    const sql = 'CREATE TABLE "ai_batch" (\n\t"a" timestamptz,\n\t"b" timestamp(3) with time zone\n);';
    expect(await review(sql)).toEqual([]);
  });
});
