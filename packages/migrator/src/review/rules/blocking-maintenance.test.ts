import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX "ai_usage_id_idx" ON "ai_usage" ("id");',
];
const review = (sql: string) => reviewExample({ history, sql }, "blocking-maintenance");
const messages = async (sql: string) => (await review(sql)).map((f) => f.message);

describe("blocking-maintenance", () => {
  it("reports each statement that rewrites or locks an existing table, with what waits", async () => {
    expect(await messages('CLUSTER "ai_usage" USING "ai_usage_id_idx";')).toEqual([
      '"ai_usage" existed before this migration: CLUSTER rewrites it under an ACCESS EXCLUSIVE lock: no query reads or writes it until it ends',
    ]);
    expect(await messages('REINDEX TABLE "ai_usage";')).toEqual([
      '"ai_usage" existed before this migration: REINDEX without CONCURRENTLY blocks its writes (and the reads that use its indexes) until it ends',
    ]);
    expect(await messages('ALTER TABLE "ai_usage" SET UNLOGGED;')).toHaveLength(1);
    expect(await messages('LOCK TABLE "ai_usage" IN ACCESS EXCLUSIVE MODE;')).toEqual([
      '"ai_usage" existed before this migration: LOCK … IN ACCESS EXCLUSIVE MODE: every query on it waits until the migration commits',
    ]);
    expect(await messages('LOCK "ai_usage";')).toHaveLength(1);
    expect(await messages('LOCK TABLE "ai_usage" IN SHARE MODE;')).toEqual([
      '"ai_usage" existed before this migration: LOCK … IN SHARE MODE: every write to it waits until the migration commits',
    ]);
  });

  it("passes what does not block the application: plain VACUUM, ANALYZE, a weak lock, a table the migration created", async () => {
    expect(await review('-- migrator:no-transaction\nVACUUM (ANALYZE) "ai_usage";')).toEqual([]);
    expect(await review('ANALYZE "ai_usage";')).toEqual([]);
    expect(await review('LOCK TABLE "ai_usage" IN ROW EXCLUSIVE MODE;')).toEqual([]);
    expect(await review('CREATE TABLE "fresh" ("id" text);\n--> statement-breakpoint\nVACUUM FULL "fresh";')).toEqual(
      [],
    );
  });

  it.each([
    ["VACUUM FULL of the whole database", "VACUUM FULL;", "every table of the database"],
    ["CLUSTER of every table clustered before", "CLUSTER;", "every table clustered before"],
    ["REINDEX of one index", 'REINDEX INDEX "ai_usage_id_idx";', 'the table of index "ai_usage_id_idx"'],
    ["REINDEX of a schema", "REINDEX SCHEMA public;", 'every table of schema "public"'],
    ["REINDEX with CONCURRENTLY turned off", 'REINDEX (CONCURRENTLY false) TABLE "ai_usage";', '"ai_usage" existed'],
    ["VACUUM with FULL given as 1", 'VACUUM (FULL 1) "ai_usage";', '"ai_usage" existed'],
    ["SET ACCESS METHOD, a rewrite", 'ALTER TABLE "ai_usage" SET ACCESS METHOD heap;', "SET ACCESS METHOD rewrites it"],
    [
      "every table of a tablespace moved",
      "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE other;",
      "every table of tablespace",
    ],
    [
      "an index moved to another tablespace",
      'ALTER INDEX "ai_usage_id_idx" SET TABLESPACE other;',
      "SET TABLESPACE copies the index",
    ],
  ])("reports %s", async (_name, sql, part) => {
    const found = await messages(sql);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(part);
  });

  it("passes VACUUM with FULL turned off, which is a plain VACUUM", async () => {
    expect(await review('-- migrator:no-transaction\nVACUUM (FULL false) "ai_usage";')).toEqual([]);
  });
});
