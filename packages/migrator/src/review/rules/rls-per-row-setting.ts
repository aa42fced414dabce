import { stringField } from "../../sql/ast.ts";
import { perRowSettingCalls } from "../../sql/setting-calls.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** `current_setting(…)` must be wrapped in a sub-select so PostgreSQL evaluates it once per query. */
export const rlsPerRowSetting: Rule = {
  id: "rls-per-row-setting",
  defaultSeverity: "error",
  source: "static",
  summary: "a policy comparing with a bare current_setting(…) instead of (SELECT current_setting(…))",
  explanation:
    "A bare `current_setting('app.tenant_id', true)` in a policy is evaluated for every row, and it prevents index use " +
    "on the tenant column. Wrapped in a sub-select it becomes an init plan evaluated once per query. The wiki makes the " +
    "sub-select mandatory.",
  help: "Write `(SELECT current_setting('app.tenant_id', true))` in the policy (in the schema's policy helper) and regenerate.",
  examples: {
    failing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
      ],
      sql: 'CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = current_setting(\'app.tenant_id\', true));',
    },
    passing: {
      history: [
        'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
      ],
      sql: 'CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (unit.type !== "CreatePolicyStmt" && unit.type !== "AlterPolicyStmt") return [];
    const hits: RuleHit[] = [];
    const policy = stringField(unit.node, "policy_name") ?? "";
    for (const clause of ["qual", "with_check"]) {
      for (const call of perRowSettingCalls(unit.node[clause])) {
        hits.push({
          statement,
          position: unitPosition(migration, unit, call["location"]),
          message: `policy "${policy}" calls current_setting(…) without a sub-select: it is evaluated for every row`,
        });
      }
    }
    return hits;
  },
};
