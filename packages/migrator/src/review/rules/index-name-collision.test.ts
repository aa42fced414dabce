import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"slug" text NOT NULL,\n\tCONSTRAINT "organization_slug_unique" UNIQUE("slug")\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "index-name-collision");

describe("index-name-collision", () => {
  it("flags an index named like an earlier constraint, naming where it was used", async () => {
    const findings = await review(
      'CREATE UNIQUE INDEX "organization_slug_unique" ON "organization" USING btree ("slug");',
    );
    expect(findings.map((f) => f.message)).toEqual([
      'index name "organization_slug_unique" is already used (0000_history.sql:1)',
    ]);
  });

  it("flags a name used twice within one migration", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "organization_slug_idx" ON "organization" USING btree ("slug");';
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([2]);
  });

  it("passes new, short names", async () => {
    expect(
      await review('CREATE INDEX "organization_id_slug_idx" ON "organization" USING btree ("id","slug");'),
    ).toEqual([]);
  });
});
