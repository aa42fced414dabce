/**
 * What a tenant table's policies do for the tenant role, read as PostgreSQL applies them: which
 * commands they let the role run, and which of their expressions let rows of other tenants through.
 * A permissive policy for the role (or PUBLIC) lets rows through; a restrictive one only narrows.
 * SELECT and DELETE read USING, INSERT reads WITH CHECK (an ALL policy without one, its USING),
 * UPDATE reads USING and checks the new row with WITH CHECK or else USING; a policy without the
 * expression a command reads lets no row through for it (verified on PostgreSQL 15).
 */
import type { AstObject } from "../../sql/ast.ts";
import { parseSql } from "../../sql/parse-migration.ts";
import { policyClauses } from "../../sql/policy-clauses.ts";
import { parsedExpressionConfines, type Scope } from "../../rls/policy-scope.ts";
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

/**
 * The policy's USING and WITH CHECK expressions as parse trees, from the statements that gave them
 * (one parse of each statement; the lexer reads an expression's text only for a finding).
 */
function parsedExpressions(policy: PolicyInfo): { clause: PolicyExpression["clause"]; tree: unknown; text: string }[] {
  const parsed = new Map<string, AstObject | undefined>();
  const statementNode = (text: string) => {
    if (!parsed.has(text)) parsed.set(text, parseSql(text)[0]?.node);
    return parsed.get(text);
  };
  return [
    ...(policy.usingIn === undefined
      ? []
      : [{ clause: "USING" as const, tree: statementNode(policy.usingIn)?.["qual"], text: policy.usingIn }]),
    ...(policy.checkIn === undefined
      ? []
      : [{ clause: "WITH CHECK" as const, tree: statementNode(policy.checkIn)?.["with_check"], text: policy.checkIn }]),
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
 * tenant column with a `current_setting(…)` (an AND with such a term, an OR of such terms; the
 * setting cast to an exact type or NULLIF'd, see policy-scope.ts), as `db:rls` requires of a live
 * tenant policy. The review does not know the tenant setting's name: any setting counts. A helper
 * function (`app.current_tenant()`) does not: the review does not judge a function's body, which
 * `db:rls` reads from the catalog. `shadowed`: the bare names (`uuid`, `text`, `current_setting`)
 * the migrations may have given to another schema's type or function found before pg_catalog's (a
 * `SET search_path = app, pg_catalog` and a `CREATE DOMAIN app.uuid AS text COLLATE <case-blind>`
 * make `::uuid` compare case-insensitively): a comparison through one does not count.
 */
export function unconfinedExpressions(
  policy: PolicyInfo,
  tenantColumn: string,
  shadowed?: (name: string) => boolean,
): PolicyExpression[] {
  const scope: Scope = { settings: [], anySetting: true, column: tenantColumn, ...(shadowed ? { shadowed } : {}) };
  return parsedExpressions(policy)
    .filter(({ tree }) => !parsedExpressionConfines(tree, scope))
    .map(({ clause, text }) => {
      const clauses = policyClauses(text);
      return { clause, expression: (clause === "USING" ? clauses.using : clauses.check) ?? "" };
    });
}
