/**
 * Whether a policy expression confines rows to the session's tenant or user, read from
 * PostgreSQL's own parse of the expression `pg_policies` deparses. An expression confines when,
 * whatever else it says, every row it lets through has a column equal to one of the allowed
 * settings: `col = (SELECT current_setting('app.tenant_id', true))`, an AND with such a term, an
 * OR of such terms, or (for user-scoped tables) an EXISTS over a plain SELECT (no aggregate,
 * GROUP BY, HAVING, LIMIT, set operation, …) of one table whose WHERE both confines that table's
 * rows and ties them to the policy's row (`m.user_id = "user".id AND m.organization_id = (SELECT
 * current_setting(…))`). The setting may be read through one cast to a type of exact equality
 * (`::uuid`, `::bigint`; inside it only lossless ones), through `NULLIF(…, '')`, or through a
 * helper function the scope knows to read it (`app.current_tenant()`). `true`, a comparison with
 * another setting, an OR with an unconfined branch, or an EXISTS that never names the policy's row
 * (true for every row once one matching sub-query row exists) does not.
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
import { pgQuery } from "../sql/pg-query.ts";

/** What a confining comparison must look like. */
export interface Scope {
  /** Settings a comparison may read, e.g. `["app.tenant_id"]`. */
  settings: readonly string[];
  /** Any `current_setting(…)` counts (the review, which does not know the setting's name). */
  anySetting?: boolean;
  /** The column it must compare (tenant tables); any column when absent. */
  column?: string;
  /** Whether an EXISTS sub-query that confines counts (user-scoped tables). */
  allowExists?: boolean;
  /**
   * The policy's table as its expressions name its row (its own name, unqualified: PostgreSQL
   * prefixes every column inside a sub-select). An EXISTS counts only if it compares a column of
   * this row with one of its own.
   */
  table?: string;
  /**
   * Whether `schema.name` (as the policy names it in a FROM) is a table (not a view or anything
   * else that can make up rows). When absent, any named relation counts.
   */
  isTable?: (schema: string | undefined, name: string) => boolean;
  /**
   * Whether the app roles may insert into or update `schema.name`: an EXISTS over such a table
   * confines nothing, since the tenant writes the rows it matches (a member row for any user).
   */
  isWritable?: (schema: string | undefined, name: string) => boolean;
  /**
   * The setting a function called without arguments reads, by the schema and name the expression
   * calls it by (no schema: bare, as `pg_policies` prints a function of `pg_catalog`), or undefined
   * for any other function. Without it, no function but `current_setting` reads a setting.
   * `db:rls` answers from the catalog's definition of the function (`settingHelpers`).
   */
  helperSetting?: (schema: string | undefined, name: string) => SettingRead | undefined;
  /**
   * Whether a bare name the expression writes (a type's: `uuid`, `text`, `int8`; or
   * `current_setting`) may stand for another schema's object than pg_catalog's: where it was
   * written, a `search_path` listing another schema before `pg_catalog` may have found a domain
   * `app.uuid` or a function `app.current_setting` first. A comparison through such a name does not
   * count. Absent, none may: `db:rls` reads policies under `search_path = pg_catalog`, which prints
   * any other schema's object qualified. SQL's keyword types (`bigint`, `integer`, `varchar`) are
   * pg_catalog's whatever the path.
   */
  shadowed?: (name: string) => boolean;
}

/** What a value reads: the setting, and the value's type (`text` uncast, `uuid`, `int8`…). */
export interface SettingRead {
  setting: string;
  type: string;
}

/** The expression `pg_policies` shows, as a parse tree (the parser must be loaded). */
function parseExpression(expression: string): unknown {
  // parseSql gives the statement's body (the SelectStmt's fields), not the wrapped node.
  const node = parseSql(`SELECT ${expression}`)[0]?.node;
  const statement = isObject(node) ? node : undefined;
  const target = nodeOf(arrayField(statement, "targetList")[0], "ResTarget");
  return target?.["val"];
}

/**
 * The pg_catalog type a cast names, when it is a plain one (no length or other typmod, no array
 * bounds, not SETOF or %TYPE): its name without `pg_catalog.` (`::bigint` parses as
 * `pg_catalog.int8`), or a bare name that `scope` does not call {@link Scope.shadowed}. A type of
 * another schema, or a bare name that may be one, gives undefined.
 */
function catalogCastType(cast: AstObject, scope: Scope): string | undefined {
  const type = objectField(cast, "typeName");
  const plain =
    arrayField(type, "typmods").length === 0 &&
    arrayField(type, "arrayBounds").length === 0 &&
    type?.["setof"] !== true &&
    type?.["pct_type"] !== true;
  const [first, second, ...rest] = nameList(type?.["names"]);
  if (!plain || first === undefined || rest.length > 0) return undefined;
  if (second !== undefined) return first === "pg_catalog" ? second : undefined;
  return scope.shadowed?.(first) ? undefined : first;
}

/** Types a text value can be cast to without two values becoming equal: text, varchar. */
const LOSSLESS_CASTS: ReadonlySet<string> = new Set(["text", "varchar"]);

/**
 * Types the setting's side of a comparison may be cast to (`(SELECT current_setting(…))::uuid`):
 * `uuid`, the integers, `text` and `varchar`. Cast to one of them, the setting is one value whose
 * equality is exact (two values are equal only when they are the same id), and PostgreSQL compares
 * the column with it by the column's own type or by an exact cross-type operator (`int8 = int4`),
 * or refuses the policy (`text = uuid` has no operator). The type also decides which `=` runs, so
 * no other type counts: cast to `citext` the setting makes a citext column compare
 * case-insensitively (`ACME`'s rows for `acme`), and a type of the project or an extension may
 * bring any `=` of its own. A typmod cuts the setting (`::varchar(4)` of `org_abc` is `org_`,
 * another tenant's id), `char(n)` pads it and ignores trailing blanks, `name` cuts it at 63 bytes.
 * Only the outermost cast may be one that reads the text (uuid, the integers): under it, a second
 * one normalises different settings to one id, which the outer cast then shows as one string
 * (`::int8::text` reads `007` and `7` alike, `::uuid::text` an upper-case uuid as the lower-case
 * one).
 */
const SETTING_CASTS: ReadonlySet<string> = new Set(["text", "varchar", "uuid", "int2", "int4", "int8"]);

/**
 * Strips the `::type` casts of a column (or a setting's name, or a string) that cannot lose
 * information: to `text` or to `varchar` without a length. Any other cast stays, so the comparison
 * around it does not count: `::varchar(4)`, `::char(n)`, `::name` or `::bigint` make different
 * values equal, and a comparison of cut values lets through every row whose value starts alike
 * (`(organization_id)::varchar(4) = (SELECT current_setting(…))::varchar(4)` matches every `org_…`).
 */
function uncast(node: unknown, scope: Scope): unknown {
  const cast = nodeOf(node, "TypeCast");
  const type = cast && catalogCastType(cast, scope);
  return cast && type !== undefined && LOSSLESS_CASTS.has(type) ? uncast(cast["arg"], scope) : node;
}

/**
 * PostgreSQL's own `current_setting(name [, missing_ok])`: `pg_catalog.`-qualified, or bare where
 * no other schema's may take the name ({@link Scope.shadowed}), with one or two arguments. The
 * catalog probe reads policies with `search_path = pg_catalog`, so any other function of that name
 * (`public.current_setting(name, ok, fallback)`) prints qualified.
 */
function isBuiltinCurrentSetting(call: AstObject, scope: Scope): boolean {
  const name = nameList(call["funcname"]).join(".");
  const args = arrayField(call, "args").length;
  const builtin =
    name === "pg_catalog.current_setting" || (name === "current_setting" && !scope.shadowed?.("current_setting"));
  return builtin && (args === 1 || args === 2);
}

/** The only fields a scalar sub-select or a helper's body may have (libpg-query leaves out empty ones). */
const SETTING_SELECT_FIELDS = new Set(["targetList", "limitOption", "op"]);

/**
 * The value of `SELECT <one value>` with nothing else (no FROM, WHERE, LIMIT, DISTINCT, WITH, set
 * operation…): one row whatever the session holds.
 */
function selectedValue(select: AstObject | undefined): unknown {
  if (!select || Object.keys(select).some((key) => !SETTING_SELECT_FIELDS.has(key))) return undefined;
  if (stringField(select, "op") !== "SETOP_NONE") return undefined;
  if (stringField(select, "limitOption") !== "LIMIT_OPTION_DEFAULT") return undefined;
  const targets = arrayField(select, "targetList");
  return targets.length === 1 ? nodeOf(targets[0], "ResTarget")?.["val"] : undefined;
}

/** A string constant (`''`, `''::text`, `'none'::varchar`): NULLIF's second argument. */
function isStringConstant(node: unknown, scope: Scope): boolean {
  return objectField(nodeOf(uncast(node, scope), "A_Const"), "sval") !== undefined;
}

/**
 * The setting a value reads, and the value's type: `current_setting('x', …)` (text), bare or as a
 * scalar sub-select, cast to a type of {@link SETTING_CASTS} (that type), as `NULLIF(<that>,
 * '<string>')` (its first argument's), or a call without arguments of a helper that the scope says
 * reads one (the type it returns). NULLIF returns its first argument or NULL, and NULL equals
 * nothing; its second argument must be a plain string, since its type decides the `=` NULLIF
 * applies and the type it returns (`NULLIF(…, organization_id)` of a citext column is citext).
 * `enclosed`: a cast encloses the value already, so whatever is inside must be text and stay text
 * (only lossless casts, a helper of text), or two settings could end up one id.
 */
function settingRead(node: unknown, scope: Scope, enclosed = false): SettingRead | undefined {
  const cast = nodeOf(node, "TypeCast");
  if (cast) {
    const type = catalogCastType(cast, scope);
    if (type === undefined || !(enclosed ? LOSSLESS_CASTS : SETTING_CASTS).has(type)) return undefined;
    const inner = settingRead(cast["arg"], scope, true);
    return inner && { setting: inner.setting, type };
  }
  const sublink = nodeOf(node, "SubLink");
  if (sublink) {
    if (stringField(sublink, "subLinkType") !== "EXPR_SUBLINK") return undefined;
    return settingRead(selectedValue(nodeOf(sublink["subselect"], "SelectStmt")), scope, enclosed);
  }
  const nullif = nodeOf(node, "A_Expr");
  if (nullif) {
    if (stringField(nullif, "kind") !== "AEXPR_NULLIF" || !isStringConstant(nullif["rexpr"], scope)) return undefined;
    return settingRead(nullif["lexpr"], scope, enclosed);
  }
  const call = nodeOf(node, "FuncCall");
  if (!call) return undefined;
  if (isBuiltinCurrentSetting(call, scope)) {
    const constant = nodeOf(uncast(arrayField(call, "args")[0], scope), "A_Const");
    const setting = stringField(objectField(constant, "sval"), "sval");
    return setting === undefined ? undefined : { setting, type: "text" };
  }
  // `f()` and nothing else: no arguments, no `*`, VARIADIC, ORDER BY, FILTER or OVER.
  const plainCall = Object.keys(call).every((key) => ["funcname", "funcformat", "location"].includes(key));
  const [first = "", second, ...rest] = nameList(call["funcname"]);
  if (!scope.helperSetting || !plainCall || rest.length > 0) return undefined;
  const read = second === undefined ? scope.helperSetting(undefined, first) : scope.helperSetting(first, second);
  return read && (!enclosed || LOSSLESS_CASTS.has(read.type)) ? read : undefined;
}

/** The column a `ColumnRef` names (its last field). */
function columnName(node: unknown, scope: Scope): string | undefined {
  const ref = nodeOf(uncast(node, scope), "ColumnRef");
  return ref ? nameList(ref["fields"]).at(-1) : undefined;
}

/**
 * `column = <allowed setting>`; when `qualifier` is given, the column must be qualified with it
 * (a column of an EXISTS's own table, not of the policy's row).
 */
function comparisonConfines(expr: AstObject, scope: Scope, qualifier?: string): boolean {
  if (stringField(expr, "kind") !== "AEXPR_OP" || nameList(expr["name"]).join(".") !== "=") return false;
  const sides = [expr["lexpr"], expr["rexpr"]];
  return sides.some((side, i) => {
    const setting = settingRead(side, scope)?.setting;
    const column = columnName(sides[1 - i], scope);
    return (
      setting !== undefined &&
      (scope.anySetting === true || scope.settings.includes(setting)) &&
      column !== undefined &&
      (scope.column === undefined || column === scope.column) &&
      (qualifier === undefined || columnQualifier(sides[1 - i], scope) === qualifier)
    );
  });
}

/** The relation a qualified column reference names (`m` of `m.user_id`), or undefined when bare. */
function columnQualifier(node: unknown, scope: Scope): string | undefined {
  const fields = nameList(nodeOf(uncast(node, scope), "ColumnRef")?.["fields"]);
  return fields.length >= 2 ? fields.at(-2) : undefined;
}

/** `inner.col = outer.col`: a column of the policy's row equated with a column of the sub-query's table. */
function correlates(expr: AstObject, scope: Scope, inner: string): boolean {
  const outer = scope.table;
  if (outer === undefined) return false;
  if (stringField(expr, "kind") !== "AEXPR_OP" || nameList(expr["name"]).join(".") !== "=") return false;
  const [left, right] = [columnQualifier(expr["lexpr"], scope), columnQualifier(expr["rexpr"], scope)];
  return (left === outer && right === inner) || (left === inner && right === outer);
}

/**
 * What every row a sub-query's WHERE lets through satisfies: a comparison with an allowed
 * setting, and an equality with the policy's row. AND needs each from some term, OR from every
 * branch.
 */
function subqueryConfinement(node: unknown, scope: Scope, inner: string): { setting: boolean; correlated: boolean } {
  const wrapped = unwrap(node);
  const none = { setting: false, correlated: false };
  if (!wrapped) return none;
  const { type, body } = wrapped;
  if (type === "BoolExpr") {
    const parts = arrayField(body, "args").map((arg) => subqueryConfinement(arg, scope, inner));
    if (body["boolop"] === "AND_EXPR") {
      return { setting: parts.some((p) => p.setting), correlated: parts.some((p) => p.correlated) };
    }
    if (body["boolop"] === "OR_EXPR" && parts.length > 0) {
      return { setting: parts.every((p) => p.setting), correlated: parts.every((p) => p.correlated) };
    }
    return none;
  }
  if (type === "A_Expr") {
    return {
      setting: comparisonConfines(body, { ...scope, column: undefined }, inner),
      correlated: correlates(body, scope, inner),
    };
  }
  return none;
}

/** The only fields a scoping EXISTS's SELECT may have (libpg-query leaves out empty ones). */
const PLAIN_SELECT_FIELDS = new Set(["targetList", "fromClause", "whereClause", "limitOption", "op"]);

/**
 * Whether a sub-select returns a row only for a row of its FROM that its WHERE lets through: a
 * plain `SELECT <constants or columns> FROM … WHERE …`. An aggregate (`SELECT count(*)`) returns a
 * row even when none matches, as does a HAVING or GROUP BY () without one; a window function, a
 * set-returning function, LIMIT, OFFSET, DISTINCT, ORDER BY, WITH, VALUES and set operations are
 * not needed to scope and are refused rather than reasoned about.
 */
function isPlainSelect(select: AstObject | undefined): boolean {
  if (!select) return false;
  if (Object.keys(select).some((key) => !PLAIN_SELECT_FIELDS.has(key))) return false;
  if (stringField(select, "op") !== "SETOP_NONE") return false;
  if (stringField(select, "limitOption") !== "LIMIT_OPTION_DEFAULT") return false;
  const targets = arrayField(select, "targetList");
  return (
    targets.length > 0 &&
    targets.every((target) => {
      const value = unwrap(nodeOf(target, "ResTarget")?.["val"]);
      return value?.type === "A_Const" || value?.type === "ColumnRef";
    })
  );
}

/**
 * The name a scoping EXISTS's columns are qualified with, when its FROM is one table and nothing
 * else: a sub-select, a function, VALUES or a view in FROM makes up whatever rows it likes (`FROM
 * (SELECT "user".id AS user_id, current_setting(…) AS organization_id) m` matches every row), and
 * a second table can carry the tie to the row while the first carries the setting comparison. The
 * name must differ from the policy's table, or the row could not be told from the sub-query's; the
 * table must be one the app roles cannot write, or the tenant makes the rows that match.
 */
function subqueryTable(select: AstObject, scope: Scope): string | undefined {
  const from = arrayField(select, "fromClause");
  const table = from.length === 1 ? nodeOf(from[0], "RangeVar") : undefined;
  const relname = stringField(table, "relname");
  if (!table || relname === undefined) return undefined;
  const schema = stringField(table, "schemaname");
  if (scope.isTable && !scope.isTable(schema, relname)) return undefined;
  if (scope.isWritable?.(schema, relname)) return undefined;
  const name = stringField(objectField(table, "alias"), "aliasname") ?? relname;
  return name === scope.table ? undefined : name;
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
    if (!select || !isPlainSelect(select)) return false;
    const inner = subqueryTable(select, scope);
    if (inner === undefined) return false;
    const { setting, correlated } = subqueryConfinement(select["whereClause"], scope, inner);
    return setting && correlated;
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

/**
 * The setting a SQL function's body (`prosrc`) reads when reading it is all the body does, and the
 * type of the value it selects (its outermost cast's, text uncast): one `SELECT` of
 * `current_setting(…)` as a policy may compare it (cast, NULLIF'd, in a sub-select), and nothing
 * else. Anything more (a FROM, an OR, a second statement, another function) may make the value
 * what it likes; a call of another helper is not followed. `catalogFirst`: whether the function's
 * `search_path` finds pg_catalog's objects first; if not, a bare `current_setting` or type name
 * (`::uuid`) may be another schema's, and only `pg_catalog.`-qualified ones (and SQL's keyword
 * types, `bigint`, `varchar`) count. The parser must be loaded.
 *
 * @example helperBodySetting("SELECT current_setting('app.tenant_id', true)::uuid")
 *   // { setting: "app.tenant_id", type: "uuid" }
 */
export function helperBodySetting(body: string, catalogFirst = true): SettingRead | undefined {
  let statements;
  try {
    statements = pgQuery().parseSync(body).stmts ?? [];
  } catch {
    return undefined;
  }
  const [only] = statements;
  if (statements.length !== 1) return undefined;
  const scope: Scope = { settings: [], anySetting: true, shadowed: () => !catalogFirst };
  return settingRead(selectedValue(nodeOf(only?.stmt, "SelectStmt")), scope);
}

/** {@link expressionConfines} of an expression already parsed (a policy statement's `qual` or `with_check`). */
export function parsedExpressionConfines(expression: unknown, scope: Scope): boolean {
  return confines(expression, scope);
}
