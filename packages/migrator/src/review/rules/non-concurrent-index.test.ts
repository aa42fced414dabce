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

  it("passes an index on a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX "document_chunk_organizationId_idx" ON "document_chunk" USING btree ("organization_id");';
    expect(await review(sql)).toEqual([]);
  });
});
