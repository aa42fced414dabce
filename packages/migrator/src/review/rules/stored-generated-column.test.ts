import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"content" text NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "stored-generated-column");

describe("stored-generated-column", () => {
  it("flags a stored generated column on an existing table, at the GENERATED clause", async () => {
    const findings = await review(
      'ALTER TABLE "document_chunk" ADD COLUMN "length" integer GENERATED ALWAYS AS (length("content")) STORED;',
    );
    expect(findings.map((f) => [f.column, f.message])).toEqual([
      [
        58,
        '"document_chunk"."length" is a stored generated column added to the existing table "document_chunk": PostgreSQL computes it for every row, rewriting the table under an ACCESS EXCLUSIVE lock',
      ],
    ]);
  });

  it("passes a VIRTUAL generated column and one on a table created in the same migration", async () => {
    expect(
      await review(
        'ALTER TABLE "document_chunk" ADD COLUMN "length" integer GENERATED ALWAYS AS (length("content")) VIRTUAL;',
      ),
    ).toEqual([]);
    const sql =
      'CREATE TABLE "chunk_copy" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"content" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "chunk_copy" ADD COLUMN "length" integer GENERATED ALWAYS AS (length("content")) STORED;';
    expect(await review(sql)).toEqual([]);
  });
});
