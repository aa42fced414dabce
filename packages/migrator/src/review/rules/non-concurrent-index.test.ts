import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "non-concurrent-index");

describe("non-concurrent-index", () => {
  it("warns about 0008's index on the existing ai_usage table", async () => {
    const findings = await review(
      'CREATE INDEX IF NOT EXISTS "ai_usage_correlationId_idx"\nON "ai_usage" USING btree ("correlation_id");',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "warning", line: 1, column: 1 });
  });

  it("tells tables of the same name in two schemas apart (tambo's auth.sessions and its later public sessions)", async () => {
    const other = [
      'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."sessions" ("id" text PRIMARY KEY NOT NULL);',
    ];
    const reviewOther = (sql: string) => reviewExample({ history: other, sql }, "non-concurrent-index");
    // A new public table of that name: nothing uses it yet.
    expect(
      await reviewOther(
        'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL, "user_id" uuid);\n--> statement-breakpoint\nCREATE INDEX "sessions_user_id_idx" ON "sessions" USING btree ("user_id");',
      ),
    ).toEqual([]);
    // The existing one, however it is written: "auth"."sessions" here, "public"."ai_usage" for "ai_usage".
    expect(await reviewOther('CREATE INDEX "auth_sessions_id_idx" ON "auth"."sessions" ("id");')).toHaveLength(1);
    const findings = await review('CREATE INDEX "ai_usage_id_idx" ON "public"."ai_usage" ("id");');
    expect(findings.map((f) => f.message)).toEqual([
      'index "ai_usage_id_idx" on the existing table "ai_usage" is built without CONCURRENTLY: writes to "ai_usage" wait until it is built',
    ]);
  });

  it("follows a table of another schema through a rename, and a drop there leaves the public one", async () => {
    const both = [
      'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."sessions" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL);',
    ];
    const renamed = await reviewExample(
      {
        history: [...both, 'ALTER TABLE "auth"."sessions" RENAME TO "auth_sessions";'],
        sql: 'CREATE INDEX "auth_sessions_id_idx" ON "auth"."auth_sessions" ("id");',
      },
      "non-concurrent-index",
    );
    expect(renamed.map((f) => f.message)).toEqual([
      'index "auth_sessions_id_idx" on the existing table "auth.auth_sessions" is built without CONCURRENTLY: writes to "auth.auth_sessions" wait until it is built',
    ]);
    const dropped = await reviewExample(
      {
        history: [...both, 'DROP TABLE "auth"."sessions";'],
        sql: 'CREATE INDEX "sessions_id_idx" ON "sessions" ("id");',
      },
      "non-concurrent-index",
    );
    expect(dropped).toHaveLength(1);
  });

  it("follows a table moved to another schema (SET SCHEMA): a new table of its old name is another one", async () => {
    const moved = [
      'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL);',
      'ALTER TABLE "sessions" SET SCHEMA "auth";',
    ];
    const reviewMoved = (sql: string) => reviewExample({ history: moved, sql }, "non-concurrent-index");
    expect(await reviewMoved('CREATE INDEX "sessions_id_idx" ON "auth"."sessions" ("id");')).toHaveLength(1);
    expect(
      await reviewMoved(
        'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE INDEX "sessions_id_idx" ON "sessions" ("id");',
      ),
    ).toEqual([]);
  });

  it("passes an index on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX "document_chunk_organizationId_idx" ON "document_chunk" USING btree ("organization_id");';
    expect(await review(sql)).toEqual([]);
  });
});
