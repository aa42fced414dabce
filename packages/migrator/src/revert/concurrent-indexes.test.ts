import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { concurrentReverse } from "./concurrent-indexes.ts";
import { type ReplayedHistory, replayHistory } from "./replayed-history.ts";
import type { RevertError } from "./revert-error.ts";

/** The history the reverts below run on: "ai_usage" and its indexes. */
let replayed: ReplayedHistory;
beforeAll(async () => {
  await loadParser();
  replayed = replayHistory([
    {
      tag: "0000_base",
      file: "0000_base.sql",
      sql: [
        'CREATE TABLE "ai_usage" ("id" text PRIMARY KEY NOT NULL, "note" text);',
        'CREATE INDEX "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
        'CREATE INDEX "ai_usage_other_idx" ON "ai_usage" USING btree ("id", "note");',
      ].join("\n--> statement-breakpoint\n"),
    },
  ]);
});

const plain = (sql: string) => ({ sql, comments: [] });
const reverted = (sql: string) => ({ tag: "0013_x", file: "0013_x.sql", sql });

describe("the reverse of index work done CONCURRENTLY", () => {
  it("guards and runs outside a transaction an index Drizzle Kit itself writes CONCURRENTLY (declared .concurrently())", () => {
    const result = concurrentReverse(
      reverted('-- migrator:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";'),
      [plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");')],
      { replayed },
    );
    expect(result.outsideTransaction).toBe(true);
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
    ]);
  });

  it("does so even when the reverted migration did nothing CONCURRENTLY", () => {
    const result = concurrentReverse(
      reverted('DROP INDEX "ai_usage_note_idx";'),
      [
        plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");'),
        plain('DROP INDEX CONCURRENTLY "ai_usage_other_idx";'),
      ],
      { replayed },
    );
    expect(result.outsideTransaction).toBe(true);
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_other_idx";',
    ]);
  });

  it("refuses when another statement needs a transaction, listing the concurrent ones once, as statements", () => {
    const refusal = (() => {
      try {
        concurrentReverse(
          reverted('DROP INDEX "ai_usage_note_idx";'),
          [
            plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");'),
            plain('ALTER TABLE "ai_usage" ADD COLUMN "note" text;'),
          ],
          { replayed },
        );
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
    const result = concurrentReverse(
      reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'),
      [
        plain('CREATE INDEX IF NOT EXISTS "ai_usage_old_idx" ON "ai_usage" USING btree ("note");'),
        plain('DROP INDEX IF EXISTS "ai_usage_note_idx";'),
      ],
      { replayed },
    );
    expect(result).toMatchObject({ outsideTransaction: true, reason: "indexes-only" });
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_old_idx" ON "ai_usage" USING btree ("note");',
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";',
    ]);
    expect(result.statements[1]?.comments).toEqual([
      "-- db:revert: the revert only builds and drops indexes, so it does that CONCURRENTLY, outside a transaction: the table's queries go on.",
    ]);
  });

  it("keeps an index redefined under its name in the transaction, taking CONCURRENTLY off what Drizzle Kit wrote so", () => {
    const result = concurrentReverse(
      reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("id");'),
      [
        plain('DROP INDEX "ai_usage_note_idx";'),
        plain('CREATE INDEX CONCURRENTLY "ai_usage_note_idx" ON "ai_usage" USING btree ("note");'),
      ],
      { replayed },
    );
    expect(result.outsideTransaction).toBe(false);
    expect(result.statements.map((s) => s.sql)).toEqual([
      'DROP INDEX "ai_usage_note_idx";',
      'CREATE INDEX "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
    ]);
    expect(result.statements[0]?.comments).toEqual([
      `-- db:revert: not CONCURRENTLY, in the revert's transaction: index "ai_usage_note_idx" is dropped and built again under its name: run CONCURRENTLY, outside a transaction, its table would be without it until the build ends (a unique one without its uniqueness), and for good if the build failed.`,
    ]);
    expect(result.statements[1]?.comments).toEqual([]);
  });

  it("keeps in the transaction the drop of an index the history does not show made: its table may be partitioned", () => {
    const result = concurrentReverse(
      reverted('CREATE INDEX "ai_usage_x_idx" ON "ai_usage" ("id");'),
      [plain('DROP INDEX IF EXISTS "ai_usage_unknown_idx";')],
      { replayed },
    );
    expect(result).toMatchObject({
      outsideTransaction: false,
      statements: [{ sql: 'DROP INDEX IF EXISTS "ai_usage_unknown_idx";' }],
    });
  });

  it("keeps an index-only revert in its transaction while it has TODO blocks, whose statements are not written yet", () => {
    const statements = [plain('DROP INDEX IF EXISTS "ai_usage_note_idx";')];
    expect(
      concurrentReverse(reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'), statements, {
        withTodos: true,
        replayed,
      }),
    ).toEqual({ statements, outsideTransaction: false });
  });

  it("leaves a revert with no index work done CONCURRENTLY as it is, in a transaction", () => {
    const statements = [plain('DROP INDEX "ai_usage_note_idx";'), plain('ALTER TABLE "ai_usage" DROP COLUMN "note";')];
    expect(
      concurrentReverse(reverted('CREATE INDEX "ai_usage_note_idx" ON "ai_usage" ("note");'), statements, { replayed }),
    ).toEqual({ statements, outsideTransaction: false });
  });
});
