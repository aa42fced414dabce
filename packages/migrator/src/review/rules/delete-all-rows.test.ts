import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"expired" boolean\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "delete-all-rows");

describe("delete-all-rows", () => {
  it("reports TRUNCATE and DELETE without WHERE of a table that existed before", async () => {
    expect((await review('TRUNCATE "ai_usage";')).map((f) => f.message)).toEqual([
      'TRUNCATE deletes every row of "ai_usage", for every tenant',
    ]);
    expect((await review('DELETE FROM "ai_usage";')).map((f) => f.message)).toEqual([
      'DELETE without WHERE deletes every row of "ai_usage", for every tenant',
    ]);
  });

  it("passes a DELETE with WHERE, TRUNCATE … CASCADE (truncate-cascade's) and a table the migration created empty", async () => {
    expect(await review('DELETE FROM "ai_usage" WHERE "expired";')).toEqual([]);
    expect(await review('TRUNCATE "ai_usage" CASCADE;')).toEqual([]);
    expect(await review('CREATE TABLE "staging" ("id" text);\n--> statement-breakpoint\nTRUNCATE "staging";')).toEqual(
      [],
    );
  });

  it("reports a table the migration created and filled (a rebuild under a copy's name)", async () => {
    const sql =
      'CREATE TABLE "ai_usage_new" ("id" text);\n--> statement-breakpoint\nINSERT INTO "ai_usage_new" SELECT "id" FROM "ai_usage";\n--> statement-breakpoint\nDELETE FROM "ai_usage_new";';
    expect(await review(sql)).toHaveLength(1);
  });

  it("reports a DELETE without WHERE inside a WITH, and a MERGE that deletes every row it matches on true", async () => {
    expect(
      await review('WITH "gone" AS (DELETE FROM "ai_usage" RETURNING 1) SELECT count(*) FROM "gone";'),
    ).toHaveLength(1);
    expect(
      (await review('MERGE INTO "ai_usage" u USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE;')).map(
        (f) => f.message,
      ),
    ).toEqual(['MERGE … ON true … DELETE deletes every row of "ai_usage", for every tenant']);
    expect(
      await review('MERGE INTO "ai_usage" u USING (SELECT 1 AS id) s ON u.id = s.id::text WHEN MATCHED THEN DELETE;'),
    ).toEqual([]);
  });

  it("reports DELETE … WHERE true, a condition that keeps nothing", async () => {
    expect((await review('DELETE FROM "ai_usage" WHERE true;')).map((f) => f.message)).toEqual([
      'DELETE without WHERE deletes every row of "ai_usage", for every tenant',
    ]);
  });

  it("reports a DELETE in a routine's BEGIN ATOMIC body at the routine's call, not where it is created", async () => {
    const create = 'CREATE PROCEDURE "expire"() BEGIN ATOMIC DELETE FROM "ai_usage"; END;\n--> statement-breakpoint\n';
    expect(await review(create + "SELECT 1;")).toEqual([]);
    expect((await review(create + 'CALL "expire"();')).map((f) => f.line)).toEqual([3]);
  });
});
