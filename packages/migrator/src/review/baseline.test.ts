import { describe, expect, it } from "vitest";
import { applyBaseline, BaselineFileError, createBaseline, parseBaseline } from "./baseline.ts";
import { EXAMPLE_CONFIG } from "./testing/review-example.ts";
import { reviewMigrations } from "./review-migrations.ts";

const history = {
  tag: "0000_init",
  file: "migrations/0000_init.sql",
  text: 'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
};
const volatile = 'ALTER TABLE "ai_usage" ADD COLUMN "correlation_id" uuid DEFAULT gen_random_uuid() NOT NULL;';
const review = (text: string, file = "migrations/0008_usage.sql") =>
  reviewMigrations([history, { tag: "0008_usage", file, text }], {
    config: { ...EXAMPLE_CONFIG, guardBaseline: "9999" },
  });

describe("review baseline", () => {
  it("accepts a finding after comments are added and the statement moves, in another folder", async () => {
    const baseline = createBaseline(await review(volatile));
    const moved = await review(
      `-- TRO-58: correlation ids\nALTER TABLE "ai_usage" ADD COLUMN "embedding_count" integer;--> statement-breakpoint\n${volatile.replace(" uuid ", "\n  uuid ")}`,
      "elsewhere/0008_usage.sql",
    );
    const { remaining, accepted, stale } = applyBaseline(moved, baseline);
    expect(remaining).toEqual([]);
    expect(accepted.map((f) => [f.rule, f.line])).toEqual([["volatile-default-rewrite", 4]]);
    expect(stale).toEqual([]);
  });

  it("does not accept a changed statement, and reports the entry as stale", async () => {
    const baseline = createBaseline(await review(volatile));
    const changed = await review(volatile.replace("correlation_id", "trace_id"));
    const { remaining, stale } = applyBaseline(changed, baseline);
    expect(remaining.map((f) => f.rule)).toEqual(["volatile-default-rewrite"]);
    expect(stale.map((e) => [e.file, e.rule])).toEqual([["0008_usage.sql", "volatile-default-rewrite"]]);
  });

  it("accepts a finding as many times as it is listed", async () => {
    const once = createBaseline(await review(volatile));
    const twice = await review(`${volatile}--> statement-breakpoint\n${volatile}`);
    expect(applyBaseline(twice, once).remaining).toHaveLength(1);
  });

  it("rejects a malformed file, saying how to regenerate it", () => {
    expect(() => parseBaseline({ version: 1, findings: [{ file: "x.sql" }] }, "review-baseline.json")).toThrow(
      BaselineFileError,
    );
    expect(() => parseBaseline({ version: 2, findings: [] }, "review-baseline.json")).toThrow(
      expect.objectContaining({ fix: expect.stringMatching(/--write-baseline/) }),
    );
  });
});
