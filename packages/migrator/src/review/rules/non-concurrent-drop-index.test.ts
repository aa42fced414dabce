import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  [
    'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid,\n\t"created_at" timestamptz\n);',
    'CREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    'CREATE INDEX "ai_usage_createdAt_idx" ON "ai_usage" USING btree ("created_at");',
    'CREATE SCHEMA "audit";',
    'CREATE TABLE "audit"."event" ("id" text PRIMARY KEY NOT NULL, "at" timestamptz);',
    'CREATE INDEX "event_at_idx" ON "audit"."event" USING btree ("at");',
  ].join("--> statement-breakpoint\n"),
];
const review = async (sql: string) => reviewExample({ history, sql }, "non-concurrent-drop-index");
const messages = async (sql: string) => (await review(sql)).map((f) => f.message);

describe("non-concurrent-drop-index", () => {
  it("warns at the statement about a plain DROP INDEX of an existing table's index, naming index and table", async () => {
    const findings = await review(
      'ALTER TABLE "ai_usage" ADD COLUMN "x" text;\n--> statement-breakpoint\nDROP INDEX "ai_usage_correlationId_idx";',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "warning", line: 3, column: 1 });
    expect(findings[0]?.message).toBe(
      'DROP INDEX "ai_usage_correlationId_idx" without CONCURRENTLY locks the existing table "ai_usage" with ACCESS EXCLUSIVE: while it waits for a running transaction, every query on the table queues behind it',
    );
  });

  it("reports each index of a DROP INDEX naming several, and says to split it", async () => {
    const found = await messages('DROP INDEX "ai_usage_correlationId_idx", "audit"."event_at_idx";');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^DROP INDEX "ai_usage_correlationId_idx" without CONCURRENTLY locks the existing table "ai_usage"/,
    );
    expect(found[1]).toMatch(
      /^DROP INDEX "audit"\."event_at_idx" without CONCURRENTLY locks the existing table "audit"\."event"/,
    );
    for (const message of found)
      expect(message).toMatch(/CONCURRENTLY drops one index per statement, so split this one$/);
  });

  it("resolves schema-qualified names: public.x is the unqualified x, another schema's index is not public's", async () => {
    expect(await messages('DROP INDEX "public"."ai_usage_createdAt_idx";')).toEqual([
      expect.stringContaining('locks the existing table "ai_usage"'),
    ]);
    // The name exists only in public: in "audit" the history never created it (still reported, table unknown).
    expect(await messages('DROP INDEX IF EXISTS "audit"."ai_usage_createdAt_idx";')).toEqual([
      expect.stringContaining("the migrations reviewed never created this index"),
    ]);
  });

  it("warns about DROP INDEX IF EXISTS (the guard changes nothing about the lock), and in a no-transaction migration", async () => {
    expect(await messages('DROP INDEX IF EXISTS "ai_usage_correlationId_idx";')).toHaveLength(1);
    expect(
      await messages('-- migrator:no-transaction\nDROP INDEX IF EXISTS "ai_usage_correlationId_idx";'),
    ).toHaveLength(1);
  });

  it("warns about an index the history never created: it is not this migration's, so its table existed before", async () => {
    expect(await messages('DROP INDEX IF EXISTS "made_by_hand_idx";')).toEqual([
      'DROP INDEX "made_by_hand_idx" without CONCURRENTLY locks its table (the migrations reviewed never created this index, so it and its table existed before) with ACCESS EXCLUSIVE: while it waits for a running transaction, every query on the table queues behind it',
    ]);
  });

  it("passes DROP INDEX CONCURRENTLY", async () => {
    const sql =
      '-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx";--> statement-breakpoint\nDROP INDEX CONCURRENTLY IF EXISTS "audit"."event_at_idx";';
    expect(await review(sql)).toEqual([]);
  });

  it("passes an index created earlier in the same migration on a table created in it", async () => {
    const sql = [
      'CREATE TABLE "document_chunk" ("id" text PRIMARY KEY NOT NULL, "organization_id" text NOT NULL);',
      'CREATE INDEX "document_chunk_organizationId_idx" ON "document_chunk" USING btree ("organization_id");',
      'DROP INDEX "document_chunk_organizationId_idx";',
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("warns about a helper index the same migration built on an existing table: dropping it still locks the table", async () => {
    const sql = [
      'CREATE INDEX "ai_usage_backfill_idx" ON "ai_usage" USING btree ("id") WHERE "correlation_id" IS NULL;',
      'UPDATE "ai_usage" SET "correlation_id" = gen_random_uuid() WHERE "correlation_id" IS NULL;',
      'DROP INDEX "ai_usage_backfill_idx";',
    ].join("--> statement-breakpoint\n");
    expect(await messages(sql)).toEqual([
      expect.stringContaining('"ai_usage_backfill_idx" without CONCURRENTLY locks the existing table "ai_usage"'),
    ]);
  });

  it("passes an index the migration already dropped, and follows a table renamed earlier in the migration", async () => {
    const dropTwice =
      'DROP INDEX "ai_usage_correlationId_idx";--> statement-breakpoint\nDROP INDEX IF EXISTS "ai_usage_correlationId_idx";';
    expect((await review(dropTwice)).map((f) => f.line)).toEqual([1]);
    const renamed =
      'ALTER TABLE "ai_usage" RENAME TO "ai_call";--> statement-breakpoint\nDROP INDEX "ai_usage_createdAt_idx";';
    expect(await messages(renamed)).toEqual([expect.stringContaining('locks the existing table "ai_call"')]);
  });

  it("is silenced by a suppression with a reason, which then counts as used", async () => {
    const sql =
      '-- review-ignore non-concurrent-drop-index: ai_usage is empty in every environment so far\nDROP INDEX "ai_usage_correlationId_idx";';
    const findings = await reviewExample({ history, sql });
    expect(findings.filter((f) => f.rule === "non-concurrent-drop-index" || f.rule === "unused-suppression")).toEqual(
      [],
    );
    // Without the reason the suppression suppresses nothing.
    const bare = await reviewExample({
      history,
      sql: '-- review-ignore non-concurrent-drop-index\nDROP INDEX "ai_usage_correlationId_idx";',
    });
    expect(bare.map((f) => f.rule)).toEqual(
      expect.arrayContaining(["non-concurrent-drop-index", "suppression-without-reason"]),
    );
  });
});
