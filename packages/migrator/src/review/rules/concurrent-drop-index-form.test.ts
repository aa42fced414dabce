import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  [
    'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid,\n\t"created_at" timestamptz\n);',
    'CREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    'CREATE INDEX "ai_usage_createdAt_idx" ON "ai_usage" USING btree ("created_at");',
  ].join("--> statement-breakpoint\n"),
];
const review = async (sql: string) =>
  reviewExample({ history, sql: `-- migrator:no-transaction\n${sql}` }, "concurrent-drop-index-form");

describe("concurrent-drop-index-form", () => {
  it("is an error at the statement when DROP INDEX CONCURRENTLY names several indexes or has CASCADE", async () => {
    const several = await review(
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx", "ai_usage_createdAt_idx";',
    );
    expect(several).toHaveLength(1);
    expect(several[0]).toMatchObject({ severity: "error", line: 2, column: 1 });
    expect(several[0]?.message).toBe(
      "DROP INDEX CONCURRENTLY names several indexes: PostgreSQL refuses it, so every deploy of this migration fails",
    );
    const both = await review(
      'DROP INDEX CONCURRENTLY "ai_usage_correlationId_idx", "ai_usage_createdAt_idx" CASCADE;',
    );
    expect(both.map((f) => f.message)).toEqual([
      "DROP INDEX CONCURRENTLY names several indexes and has CASCADE: PostgreSQL refuses it, so every deploy of this migration fails",
    ]);
    expect((await review('DROP INDEX CONCURRENTLY "ai_usage_correlationId_idx" CASCADE;')).length).toBe(1);
  });

  it("passes one index per statement, RESTRICT, and a plain DROP INDEX of several (non-concurrent-drop-index's)", async () => {
    expect(await review('DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx" RESTRICT;')).toEqual([]);
    expect(await review('DROP INDEX "ai_usage_correlationId_idx", "ai_usage_createdAt_idx" CASCADE;')).toEqual([]);
  });
});
