import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const createTable = 'CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n';
const policy =
  'CREATE POLICY "ai_model_select" ON "ai_model" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);';
const generated = [createTable, policy];
const review = (sql: string, known: string[] | null = generated) =>
  reviewExample({ sql, generated: known ?? undefined }, "manual-addition-header");

describe("manual-addition-header", () => {
  it("flags each hand-written statement without a header", async () => {
    const sql = [
      createTable,
      'GRANT SELECT ON "ai_model" TO "authenticated";',
      policy,
      'REVOKE DELETE ON "ai_model" FROM "authenticated";',
    ].join("--> statement-breakpoint\n");
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([5, 7]);
  });

  it("lets one header cover the consecutive hand-written statements after it", async () => {
    const sql = [
      createTable,
      '-- Manual addition: the registry is read-only for tenants.\nGRANT SELECT ON "ai_model" TO "authenticated";',
      'REVOKE DELETE ON "ai_model" FROM "authenticated";',
      policy,
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("ends the header's reach at the next generated statement", async () => {
    const sql = [
      "-- Manual addition: extension first.\nCREATE EXTENSION IF NOT EXISTS vector;",
      createTable,
      'GRANT SELECT ON "ai_model" TO "authenticated";',
    ].join("--> statement-breakpoint\n");
    expect((await review(sql)).map((f) => f.line)).toEqual([7]);
  });

  it("counts hand-added guards as the generated statement", async () => {
    const sql = [
      createTable.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
      `DO $$ BEGIN\n  ${policy}\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("flags a generated statement edited by hand", async () => {
    const edited = createTable.replace(
      '"id" text PRIMARY KEY NOT NULL',
      '"id" text PRIMARY KEY NOT NULL,\n\t"note" text',
    );
    expect(await review(edited)).toHaveLength(1);
  });

  it("checks nothing where the snapshots are unknown", async () => {
    expect(await review('GRANT SELECT ON "ai_model" TO "authenticated";', null)).toEqual([]);
  });
});
