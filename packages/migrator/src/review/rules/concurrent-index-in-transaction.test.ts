import { describe, expect, it } from "vitest";
import { corpusStatement } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"note" text\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");',
];
const review = (sql: string) => reviewExample({ history, sql }, "concurrent-index-in-transaction");

describe("concurrent-index-in-transaction", () => {
  it("flags DROP INDEX and REINDEX CONCURRENTLY too, each on its line", async () => {
    const sql =
      'ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "x" text;--> statement-breakpoint\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";--> statement-breakpoint\nREINDEX INDEX CONCURRENTLY "ai_usage_note_idx";';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.message.split(" in a migration")[0]])).toEqual([
      [2, "DROP INDEX CONCURRENTLY"],
      [3, 'REINDEX CONCURRENTLY "ai_usage_note_idx"'],
    ]);
  });

  it("flags a directive that is not on the first line, which the runner ignores", async () => {
    const sql =
      '-- build the index online\n-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_id_note_idx" ON "ai_usage" ("id", "note");';
    expect(await review(sql)).toHaveLength(1);
  });

  it("leaves a statement after the migration's own COMMIT to transaction-control (sim 0220: it runs outside a transaction)", async () => {
    const sql = corpusStatement(
      "simstudioai__sim",
      "0220_early_hellion",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "usage_log_execution_id_idx"',
    );
    expect(await review(`COMMIT;--> statement-breakpoint\n${sql}`)).toEqual([]);
    expect(await review(sql)).toHaveLength(1);
  });

  it("passes a plain CREATE INDEX in a transaction", async () => {
    expect(await review('CREATE INDEX IF NOT EXISTS "ai_usage_id_note_idx" ON "ai_usage" ("id", "note");')).toEqual([]);
  });
});
