import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string, guardBaseline = EXAMPLE_CONFIG.guardBaseline) =>
  reviewExample({ history, sql }, "missing-guard", { ...EXAMPLE_CONFIG, guardBaseline });

const table =
  'CREATE TABLE "mcp_tool_call_log" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n';
const policy =
  'CREATE POLICY "mcp_tool_call_log_select" ON "mcp_tool_call_log" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));';
const foreignKey =
  'ALTER TABLE "mcp_tool_call_log" ADD CONSTRAINT "mcp_tool_call_log_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;';

describe("missing-guard", () => {
  it("flags Drizzle Kit's unguarded output from the baseline on", async () => {
    const findings = await review([table, foreignKey, policy].join("--> statement-breakpoint\n"));
    expect(findings.map((f) => [f.line, f.message.split(":")[0]])).toEqual([
      [1, 'CREATE TABLE "mcp_tool_call_log" without IF NOT EXISTS'],
      [
        6,
        'ADD CONSTRAINT "mcp_tool_call_log_organization_id_organization_id_fk" on "mcp_tool_call_log" outside a DO block that catches duplicate_object',
      ],
      [7, 'CREATE POLICY "mcp_tool_call_log_select" outside a DO block that catches duplicate_object'],
    ]);
  });

  it("passes the same migration guarded as in 0007", async () => {
    const guarded = [
      table.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
      `DO $$ BEGIN\n  ${foreignKey}\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
      `DO $$ BEGIN\n  ${policy}\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
      'ALTER TABLE "organization" ADD COLUMN IF NOT EXISTS "plan" text;',
      'DROP INDEX IF EXISTS "organization_plan_idx";',
    ].join("--> statement-breakpoint\n");
    expect(await review(guarded)).toEqual([]);
  });

  it("flags ADD COLUMN without IF NOT EXISTS and DROP without IF EXISTS", async () => {
    const findings = await review(
      'ALTER TABLE "organization" ADD COLUMN "plan" text;--> statement-breakpoint\nDROP INDEX "organization_plan_idx";',
    );
    expect(findings.map((f) => f.message.split(":")[0])).toEqual([
      'ADD COLUMN "plan" on "organization" without IF NOT EXISTS',
      "DROP INDEX without IF EXISTS",
    ]);
  });

  it("leaves migrations before the guard baseline alone", async () => {
    expect(await review(table, "0200")).toEqual([]);
  });

  it("points at the statement inside a DO block that is not guarded", async () => {
    const findings = await review(`DO $$ BEGIN\n  ${policy}\nEND $$;`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, column: 3 });
  });
});
