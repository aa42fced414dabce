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

  it("flags CONCURRENTLY inside a DO block even with the directive: PostgreSQL refuses it in a function", async () => {
    const sql =
      '-- migrator:no-transaction\nDO $$\nBEGIN\n\tIF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = \'ai_usage_id_note_idx\') THEN\n\t\tCREATE INDEX CONCURRENTLY "ai_usage_id_note_idx" ON "ai_usage" ("id", "note");\n\tEND IF;\nEND $$;';
    const findings = await review(sql);
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        5,
        'CREATE INDEX CONCURRENTLY "ai_usage_id_note_idx" inside a DO block: PostgreSQL refuses it in a function, with or without "-- migrator:no-transaction", so the migration fails whenever the block reaches it; run it as a top-level statement in a "-- migrator:no-transaction" migration, guarded by its own IF NOT EXISTS',
      ],
    ]);
  });

  it("advises leaving the DO block, not only the transaction, when both hold the statement", async () => {
    const sql = 'DO $$ BEGIN DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx"; END $$;';
    const findings = await review(sql);
    expect(findings.map((f) => f.message)).toEqual([
      'DROP INDEX CONCURRENTLY inside a DO block: PostgreSQL refuses it in a function, with or without "-- migrator:no-transaction", so every deploy of this migration fails; run it as a top-level statement in a "-- migrator:no-transaction" migration, guarded by its own IF EXISTS',
    ]);
    expect(findings[0]?.help).toContain("outside any DO block");
    // After the migration's own COMMIT it is still inside a function.
    expect(await review(`COMMIT;--> statement-breakpoint\n${sql}`)).toHaveLength(1);
  });

  it("says a handler that catches the refusal leaves the statement undone", async () => {
    const sql =
      '-- migrator:no-transaction\nDO $$ BEGIN REINDEX INDEX CONCURRENTLY "ai_usage_note_idx"; EXCEPTION WHEN others THEN NULL; END $$;';
    expect((await review(sql)).map((f) => f.message)).toEqual([
      expect.stringContaining(
        "the block's exception handler catches the error, so the migration passes without it taking effect",
      ),
    ]);
  });
});
