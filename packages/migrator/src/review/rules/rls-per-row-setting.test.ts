import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "rls-per-row-setting");

describe("rls-per-row-setting", () => {
  it("flags a bare current_setting in WITH CHECK, at the call", async () => {
    const sql =
      'CREATE POLICY "research_plan_update" ON "research_plan" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true))) WITH CHECK ("organization_id" = current_setting(\'app.tenant_id\', true));';
    const findings = await review(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.column).toBe(sql.lastIndexOf("current_setting") + 1);
  });

  it("passes the sub-select inside a DO block", async () => {
    const sql =
      'DO $$ BEGIN\n  CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;';
    expect(await review(sql)).toEqual([]);
  });

  it("flags a bare current_setting that an ALTER POLICY gives a policy, at the call", async () => {
    const policy =
      'CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));';
    const sql = `ALTER POLICY "research_plan_select" ON "research_plan" USING ("organization_id" = current_setting('app.tenant_id', true));`;
    const findings = await reviewExample({ history: [...history, policy], sql }, "rls-per-row-setting");
    expect(findings.map((f) => [f.line, f.column])).toEqual([[1, sql.indexOf("current_setting") + 1]]);
  });
});
