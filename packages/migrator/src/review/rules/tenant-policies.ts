/**
 * What a tenant table's policies do for the tenant role, read as PostgreSQL applies them: which
 * commands they let the role run, and which of their expressions let rows of other tenants through.
 * A permissive policy for the role (or PUBLIC) lets rows through; a restrictive one only narrows.
 * SELECT and DELETE read USING, INSERT reads WITH CHECK (an ALL policy without one, its USING),
 * UPDATE reads USING and checks the new row with WITH CHECK or else USING; a policy without the
 * expression a command reads lets no row through for it (verified on PostgreSQL 15).
 */
import { arrayField, constantText, findNodes, nameList } from "../../sql/ast.ts";
import { parseSql } from "../../sql/parse-migration.ts";
import { policyClauses } from "../../sql/policy-clauses.ts";
import { expressionConfines } from "../../rls/policy-scope.ts";
import type { PolicyInfo } from "../schema-state.ts";

/** The commands every tenant table needs a policy for, in the order they are reported. */
export const TENANT_COMMANDS = ["select", "insert", "update", "delete"] as const;

/** An expression of a policy, as written. */
export interface PolicyExpression {
  clause: "USING" | "WITH CHECK";
  expression: string;
}

/** Whether the policy lets rows through for the role: permissive, and for the role or PUBLIC. */
export function grantsTo(policy: PolicyInfo, role: string): boolean {
  return policy.restrictive !== true && (policy.roles.includes(role) || policy.roles.includes("public"));
}

/** The policy's USING and WITH CHECK expressions, read from the statements that gave them. */
export function policyExpressions(policy: PolicyInfo): PolicyExpression[] {
  const using = policy.usingIn === undefined ? undefined : policyClauses(policy.usingIn).using;
  const check = policy.checkIn === undefined ? undefined : policyClauses(policy.checkIn).check;
  return [
    ...(using === undefined ? [] : [{ clause: "USING" as const, expression: using }]),
    ...(check === undefined ? [] : [{ clause: "WITH CHECK" as const, expression: check }]),
  ];
}

/** The commands a policy lets its roles run: those whose expressions it has. */
export function commandsAllowed(policy: PolicyInfo): string[] {
  const using = policy.usingIn !== undefined;
  const checks = policy.checkIn !== undefined || (policy.command === "all" && using);
  const allowed = { select: using, insert: checks, update: using, delete: using };
  const commands = policy.command === "all" ? TENANT_COMMANDS : TENANT_COMMANDS.filter((c) => c === policy.command);
  return commands.filter((command) => allowed[command]);
}

/**
 * The policy's expressions that do not keep rows to the session's tenant: each must compare the
 * tenant column with a `current_setting(…)` (an AND with such a term, an OR of such terms), as
 * `db:rls` requires of a live tenant policy. The review does not know the tenant setting's name:
 * any setting counts.
 */
export function unconfinedExpressions(policy: PolicyInfo, tenantColumn: string): PolicyExpression[] {
  return policyExpressions(policy).filter(
    ({ expression }) => !expressionConfines(expression, { settings: settingsRead(expression), column: tenantColumn }),
  );
}

/** The settings an expression reads with `current_setting('name', …)`. */
function settingsRead(expression: string): string[] {
  return findNodes(parseSql(`SELECT (${expression})`)[0]?.node, "FuncCall")
    .filter(({ body }) => nameList(body["funcname"]).at(-1) === "current_setting")
    .flatMap(({ body }) => constantText(arrayField(body, "args")[0]) ?? []);
}
