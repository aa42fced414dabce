import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "organization" (\n\t"id" text NOT NULL,\n\t"slug" text NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql }, "unique-constraint-builds-index");

describe("unique-constraint-builds-index", () => {
  it("flags a PRIMARY KEY and a new UNIQUE column on an existing table", async () => {
    const sql =
      'ALTER TABLE "organization" ADD CONSTRAINT "organization_pkey" PRIMARY KEY ("id");--> statement-breakpoint\nALTER TABLE "organization" ADD COLUMN "domain" text UNIQUE;';
    const findings = await review(sql);
    expect(findings.map((f) => f.message.split(" on the existing")[0])).toEqual([
      'PRIMARY KEY constraint "organization_pkey"',
      'UNIQUE on the new column "domain"',
    ]);
  });

  it("passes constraints declared in CREATE TABLE and PRIMARY KEY USING INDEX", async () => {
    const sql =
      'CREATE TABLE "team" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"slug" text,\n\tCONSTRAINT "team_slug_unique" UNIQUE("slug")\n);\n--> statement-breakpoint\nALTER TABLE "organization" ADD CONSTRAINT "organization_pkey" PRIMARY KEY USING INDEX "organization_id_idx";';
    expect(await review(sql)).toEqual([]);
  });
});
