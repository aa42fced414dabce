import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { concurrentReverse } from "./concurrent-indexes.ts";
import type { RevertError } from "./revert-error.ts";

beforeAll(loadParser);

const plain = (sql: string) => ({ sql, comments: [] });
const reverted = (sql: string) => ({ tag: "0013_x", file: "0013_x.sql", sql });

describe("the reverse of index work done CONCURRENTLY", () => {
  it("guards and runs outside a transaction an index Drizzle Kit itself writes CONCURRENTLY (declared .concurrently())", () => {
    const result = concurrentReverse(
      reverted('-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";'),
      [plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");')],
    );
    expect(result.outsideTransaction).toBe(true);
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
    ]);
  });

  it("does so even when the reverted migration did nothing CONCURRENTLY", () => {
    const result = concurrentReverse(reverted('DROP INDEX "ai_usage_note_idx";'), [
      plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");'),
      plain('DROP INDEX CONCURRENTLY "ai_usage_other_idx";'),
    ]);
    expect(result.outsideTransaction).toBe(true);
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_other_idx";',
    ]);
  });

  it("refuses when another statement needs a transaction, listing the concurrent ones once, as statements", () => {
    const refusal = (() => {
      try {
        concurrentReverse(reverted('DROP INDEX "ai_usage_note_idx";'), [
          plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");'),
          plain('ALTER TABLE "ai_usage" ADD COLUMN "note" text;'),
        ]);
      } catch (error) {
        return error as RevertError;
      }
      return undefined;
    })();
    expect(refusal?.code).toBe("needs-transaction");
    expect(refusal?.message).toContain(
      'these statements of the revert need one (run outside it they could not be retried after a partial failure): ALTER TABLE "ai_usage" ADD COLUMN "note" text (ADD COLUMN "note" on "ai_usage" without IF NOT EXISTS)',
    );
    expect(refusal?.fix).toContain(
      'holding CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note"); then change',
    );
    expect(refusal?.fix).not.toContain(";;");
  });

  it("writes a revert that only builds and drops indexes CONCURRENTLY, outside a transaction, whatever the migration did", () => {
    const result = concurrentReverse(reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'), [
      plain('CREATE INDEX IF NOT EXISTS "ai_usage_old_idx" ON "ai_usage" USING btree ("note");'),
      plain('DROP INDEX IF EXISTS "ai_usage_note_idx";'),
    ]);
    expect(result).toMatchObject({ outsideTransaction: true, reason: "indexes-only" });
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_old_idx" ON "ai_usage" USING btree ("note");',
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";',
    ]);
    expect(result.statements[1]?.comments).toEqual([
      "-- db:revert: the revert only builds and drops indexes, so it does that CONCURRENTLY, outside a transaction: the table's queries go on.",
    ]);
  });

  it("keeps an index-only revert in its transaction while it has TODO blocks, whose statements are not written yet", () => {
    const statements = [plain('DROP INDEX IF EXISTS "ai_usage_note_idx";')];
    expect(
      concurrentReverse(reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'), statements, {
        withTodos: true,
      }),
    ).toEqual({ statements, outsideTransaction: false });
  });

  it("leaves a revert with no index work done CONCURRENTLY as it is, in a transaction", () => {
    const statements = [plain('DROP INDEX "ai_usage_note_idx";'), plain('ALTER TABLE "ai_usage" DROP COLUMN "note";')];
    expect(concurrentReverse(reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'), statements)).toEqual(
      { statements, outsideTransaction: false },
    );
  });
});
