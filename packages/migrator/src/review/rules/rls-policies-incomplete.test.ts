import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const table =
  'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ENABLE ROW LEVEL SECURITY;';
const using = "USING (\"organization_id\" = (SELECT current_setting('app.tenant_id', true)))";
const review = (sql: string) => reviewExample({ sql }, "rls-policies-incomplete");

describe("rls-policies-incomplete", () => {
  it("names the missing commands", async () => {
    const findings = await review(
      `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated" ${using};`,
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('"ai_batch" has no insert/update/delete policies for "authenticated"'),
    ]);
  });

  it("does not count policies for another role", async () => {
    const findings = await review(
      `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_all" ON "ai_batch" AS PERMISSIVE FOR ALL TO "anonymous" ${using};`,
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining("no select/insert/update/delete policies"),
    ]);
  });

  it("passes a FOR ALL policy for the role", async () => {
    expect(
      await review(
        `${table}--> statement-breakpoint\nCREATE POLICY "ai_batch_all" ON "ai_batch" AS PERMISSIVE FOR ALL TO "authenticated" ${using};`,
      ),
    ).toEqual([]);
  });

  it("counts policies created inside DO blocks (the 0007 style)", async () => {
    const policies = ["SELECT", "INSERT", "UPDATE", "DELETE"].map(
      (command) =>
        `DO $$ BEGIN\n  CREATE POLICY "ai_batch_${command.toLowerCase()}" ON "ai_batch" AS PERMISSIVE FOR ${command} TO "authenticated" ${command === "INSERT" ? using.replace("USING", "WITH CHECK") : using};\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
    );
    expect(await review([table, ...policies].join("--> statement-breakpoint\n"))).toEqual([]);
  });

  it("flags an existing tenant table that loses a policy, at the DROP POLICY", async () => {
    const policies = ["select", "insert", "update", "delete"].map(
      (command) =>
        `CREATE POLICY "ai_batch_${command}" ON "ai_batch" AS PERMISSIVE FOR ${command.toUpperCase()} TO "authenticated" ${command === "insert" ? using.replace("USING", "WITH CHECK") : using};`,
    );
    const history = [[table, ...policies].join("--> statement-breakpoint\n")];
    const findings = await reviewExample(
      { history, sql: 'SELECT 1;--> statement-breakpoint\nDROP POLICY IF EXISTS "ai_batch_delete" ON "ai_batch";' },
      "rls-policies-incomplete",
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, expect.stringContaining('"ai_batch" has no delete policy for "authenticated"')],
    ]);
  });

  it('flags a tenant table of another schema that loses a policy, at the DROP POLICY (pgSchema\'s "app"."ai_batch")', async () => {
    const inApp = (sql: string) => sql.replaceAll('"ai_batch"', '"app"."ai_batch"');
    const policies = ["select", "insert", "update", "delete"].map(
      (command) =>
        `CREATE POLICY "ai_batch_${command}" ON "ai_batch" AS PERMISSIVE FOR ${command.toUpperCase()} TO "authenticated" ${command === "insert" ? using.replace("USING", "WITH CHECK") : using};`,
    );
    const history = [inApp(['CREATE SCHEMA "app";', table, ...policies].join("--> statement-breakpoint\n"))];
    const findings = await reviewExample(
      {
        history,
        sql: 'SELECT 1;--> statement-breakpoint\nDROP POLICY IF EXISTS "ai_batch_delete" ON "app"."ai_batch";',
      },
      "rls-policies-incomplete",
    );
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, expect.stringContaining('"app.ai_batch" has no delete policy for "authenticated"')],
    ]);
  });
});
