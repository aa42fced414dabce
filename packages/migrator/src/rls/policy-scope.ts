/**
 * Whether a policy expression confines rows to the session's tenant or user, read from
 * PostgreSQL's own parse of the expression `pg_policies` deparses. An expression confines when,
 * whatever else it says, every row it lets through has a column equal to one of the allowed
 * settings: `col = (SELECT current_setting('app.tenant_id', true))`, an AND with such a term, an
 * OR of such terms, or (for user-scoped tables) an EXISTS whose sub-query confines. `true`, a
 * comparison with another setting, or an OR with an unconfined branch does not.
 */
import {
  type AstObject,
  arrayField,
  isObject,
  nameList,
  nodeOf,
  objectField,
  stringField,
  unwrap,
} from "../sql/ast.ts";
import { parseSql } from "../sql/parse-migration.ts";

/** What a confining comparison must look like. */
export interface Scope {
  /** Settings a comparison may read, e.g. `["app.tenant_id"]`. */
  settings: readonly string[];
  /** The column it must compare (tenant tables); any column when absent. */
  column?: string;
  /** Whether an EXISTS sub-query that confines counts (user-scoped tables). */
  allowExists?: boolean;
}

/** The expression `pg_policies` shows, as a parse tree (the parser must be loaded). */
function parseExpression(expression: string): unknown {
  // parseSql gives the statement's body (the SelectStmt's fields), not the wrapped node.
  const node = parseSql(`SELECT ${expression}`)[0]?.node;
  const statement = isObject(node) ? node : undefined;
  const target = nodeOf(arrayField(statement, "targetList")[0], "ResTarget");
  return target?.["val"];
}

/** Strips `::type` casts. */
function uncast(node: unknown): unknown {
  const cast = nodeOf(node, "TypeCast");
  return cast ? uncast(cast["arg"]) : node;
}

/** The setting a `current_setting('x', …)` call reads, bare or as a scalar sub-select. */
function settingRead(node: unknown): string | undefined {
  let value = uncast(node);
  const sublink = nodeOf(value, "SubLink");
  if (sublink) {
    if (stringField(sublink, "subLinkType") !== "EXPR_SUBLINK") return undefined;
    const select = nodeOf(sublink["subselect"], "SelectStmt");
    if (arrayField(select, "fromClause").length > 0 || select?.["whereClause"]) return undefined;
    value = uncast(nodeOf(arrayField(select, "targetList")[0], "ResTarget")?.["val"]);
  }
  const call = nodeOf(value, "FuncCall");
  if (!call || nameList(call["funcname"]).at(-1) !== "current_setting") return undefined;
  const constant = nodeOf(uncast(arrayField(call, "args")[0]), "A_Const");
  return stringField(objectField(constant, "sval"), "sval");
}

/** The column a `ColumnRef` names (its last field). */
function columnName(node: unknown): string | undefined {
  const ref = nodeOf(uncast(node), "ColumnRef");
  return ref ? nameList(ref["fields"]).at(-1) : undefined;
}

function comparisonConfines(expr: AstObject, scope: Scope): boolean {
  if (stringField(expr, "kind") !== "AEXPR_OP" || nameList(expr["name"]).join(".") !== "=") return false;
  const sides = [expr["lexpr"], expr["rexpr"]];
  return sides.some((side, i) => {
    const setting = settingRead(side);
    const column = columnName(sides[1 - i]);
    return (
      setting !== undefined &&
      scope.settings.includes(setting) &&
      column !== undefined &&
      (scope.column === undefined || column === scope.column)
    );
  });
}

function confines(node: unknown, scope: Scope): boolean {
  const wrapped = unwrap(node);
  if (!wrapped) return false;
  const { type, body } = wrapped;
  if (type === "BoolExpr") {
    const args = arrayField(body, "args");
    if (body["boolop"] === "AND_EXPR") return args.some((arg) => confines(arg, scope));
    if (body["boolop"] === "OR_EXPR") return args.length > 0 && args.every((arg) => confines(arg, scope));
    return false;
  }
  if (type === "A_Expr") return comparisonConfines(body, scope);
  if (type === "SubLink" && scope.allowExists && stringField(body, "subLinkType") === "EXISTS_SUBLINK") {
    const select = nodeOf(body["subselect"], "SelectStmt");
    return confines(select?.["whereClause"], { ...scope, column: undefined });
  }
  return false;
}

/**
 * Whether a policy expression (as `pg_policies` shows it) confines rows to one of the scope's
 * settings. The parser must be loaded (`loadParser`).
 *
 * @example expressionConfines("(organization_id = ( SELECT current_setting('app.tenant_id'::text, true) AS current_setting))",
 *   { settings: ["app.tenant_id"], column: "organization_id" }) // true
 * @example expressionConfines("true", { settings: ["app.tenant_id"] }) // false
 */
export function expressionConfines(expression: string, scope: Scope): boolean {
  return confines(parseExpression(expression), scope);
}
