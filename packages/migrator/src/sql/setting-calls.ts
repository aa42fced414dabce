/**
 * `current_setting(…)` in a policy: wrapped in a scalar sub-select it is an init plan evaluated once
 * per query; bare, it is evaluated for every row and keeps the planner from using an index on the
 * compared column. The review (policies in migrations) and the RLS probe (policies in the catalog)
 * both ask this question here.
 */
import { type AstObject, findNodes, nameList } from "./ast.ts";
import { parseSql } from "./parse-migration.ts";

/** The `current_setting(…)` calls in a parsed expression that no sub-select encloses. */
export function perRowSettingCalls(expression: unknown): AstObject[] {
  return findNodes(expression, "FuncCall")
    .filter((call) => nameList(call.body["funcname"]).at(-1) === "current_setting")
    .filter((call) => !call.ancestors.includes("SubLink"))
    .map((call) => call.body);
}

/**
 * Whether an expression, as the catalog deparses it (`pg_policies.qual`), calls `current_setting`
 * outside a sub-select. The parser must be loaded (`loadParser`).
 *
 * @example callsSettingPerRow("(organization_id = current_setting('app.tenant_id'::text))") // true
 */
export function callsSettingPerRow(expression: string | null): boolean {
  if (!expression) return false;
  return perRowSettingCalls(parseSql(`SELECT ${expression}`)[0]?.node).length > 0;
}
