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

  it("flags an EXCLUDE constraint on an existing table: it builds its index under ACCESS EXCLUSIVE, with no CONCURRENTLY route", async () => {
    const booking = [
      'CREATE TABLE "booking" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"room_id" integer NOT NULL,\n\t"during" tstzrange NOT NULL\n);',
    ];
    const sql =
      'ALTER TABLE "booking" ADD CONSTRAINT "no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&);';
    const findings = await reviewExample({ history: booking, sql }, "unique-constraint-builds-index");
    expect(findings.map((f) => f.message)).toEqual([
      'EXCLUDE constraint "no_overlap" on the existing table "booking" builds its index while holding ACCESS EXCLUSIVE: no reads or writes until every row is indexed (an EXCLUDE constraint cannot use an index built CONCURRENTLY)',
    ]);
  });

  it("passes an EXCLUDE constraint declared with its table or added to a table created in the same migration", async () => {
    const sql =
      'CREATE TABLE "booking" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"during" tstzrange NOT NULL,\n\tCONSTRAINT "booking_no_overlap" EXCLUDE USING gist ("during" WITH &&)\n);\n--> statement-breakpoint\nALTER TABLE "booking" ADD CONSTRAINT "booking_no_overlap_2" EXCLUDE USING gist ("during" WITH &&);';
    expect(await review(sql)).toEqual([]);
  });
});
