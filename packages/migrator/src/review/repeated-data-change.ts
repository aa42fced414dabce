/**
 * Whether a data change (INSERT, UPDATE, MERGE) does its work again when it runs a second time,
 * judged from its parse tree alone. guards.ts asks whether a statement fails on a second run; a
 * data change does not fail, it inserts the rows again or moves a counter on once more, which a
 * retried no-transaction migration must not do.
 *
 * The judgment is conservative, from the tree:
 * - an INSERT repeats unless it has `ON CONFLICT`, or is `INSERT … SELECT … WHERE NOT EXISTS (…)`
 *   whose `NOT EXISTS` (a conjunct of the WHERE) reads the target table;
 * - an UPDATE (and `ON CONFLICT DO UPDATE`, MERGE's `UPDATE`) repeats when a SET reads a column the
 *   statement sets (`SET n = n + 1`, `SET a = b, b = a`); `SET n = 5` and `SET a = b` do not. Inside
 *   a sub-select with a FROM of its own, a column not qualified by the target's name is taken as the
 *   sub-select's;
 * - a MERGE's `WHEN NOT MATCHED THEN INSERT` repeats unless the ON condition is only equalities
 *   `target.column = expression` and the INSERT sets each such column to that same expression: then
 *   the row it inserts is matched on the second run;
 * - DELETE never repeats anything.
 * An `IF` around the statement in a DO block counts as a guard, as for guards.ts, and for an INSERT
 * a handler of `unique_violation` (the author relies on a key that refuses the second row).
 */
import {
  type AstObject,
  arrayField,
  findNodes,
  isObject,
  nameList,
  nodeOf,
  objectField,
  stringField,
} from "../sql/ast.ts";
import { canonicalNode } from "../sql/canonical-sql.ts";
import type { SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedName, tableName } from "./object-names.ts";

/** Statements whose data changes run later, not when the statement runs. */
const DEFERRED = new Set(["CreateFunctionStmt", "CreateRuleStmt", "PrepareStmt"]);

/** The data changes whose repetition is judged. */
const DATA_CHANGES = ["InsertStmt", "UpdateStmt", "MergeStmt"];

/**
 * Why the statement changes the data again when run a second time, or undefined when a second
 * run leaves the data as the first left it. Judges the statement and the data changes in its WITH.
 *
 * @example repeatedDataChange(unitOf('INSERT INTO "t" VALUES (1)')) // 'INSERT INTO "t" without ON CONFLICT or WHERE NOT EXISTS on "t"'
 */
export function repeatedDataChange(unit: SqlUnit): string | undefined {
  if (unit.guards.conditional || DEFERRED.has(unit.type)) return undefined;
  const keyed = unit.guards.handles.includes("unique_violation");
  const changes = [
    { type: unit.type, body: unit.node },
    ...DATA_CHANGES.flatMap((type) => findNodes(unit.node, type).map(({ body }) => ({ type, body }))),
  ];
  if (unit.type === "CopyStmt" && unit.node["is_from"] === true)
    return `COPY "${tableName(objectField(unit.node, "relation"))}" FROM adds its rows again`;
  for (const { type, body } of changes) {
    const why =
      type === "InsertStmt"
        ? insertRepeats(body, keyed)
        : type === "UpdateStmt"
          ? setRepeats(`UPDATE "${tableName(objectField(body, "relation"))}"`, body, arrayField(body, "targetList"))
          : type === "MergeStmt"
            ? mergeRepeats(body, keyed)
            : undefined;
    if (why) return why;
  }
  return undefined;
}

function insertRepeats(node: AstObject, keyed: boolean): string | undefined {
  const target = objectField(node, "relation");
  const table = tableName(target);
  const conflict = objectField(node, "onConflictClause");
  if (conflict) {
    if (stringField(conflict, "action") !== "ONCONFLICT_UPDATE") return undefined;
    return setRepeats(`INSERT INTO "${table}" … ON CONFLICT DO UPDATE`, node, arrayField(conflict, "targetList"));
  }
  if (keyed || selectsOnlyNew(nodeOf(node["selectStmt"], "SelectStmt"), target)) return undefined;
  return `INSERT INTO "${table}" without ON CONFLICT or WHERE NOT EXISTS on "${table}"`;
}

/** Whether a SELECT (not VALUES, not a set operation) has `NOT EXISTS (… FROM target …)` among its WHERE's conjuncts. */
function selectsOnlyNew(select: AstObject | undefined, target: AstObject | undefined): boolean {
  if (!select || arrayField(select, "valuesLists").length > 0) return false;
  if ((stringField(select, "op") ?? "SETOP_NONE") !== "SETOP_NONE") return false;
  return conjuncts(select["whereClause"]).some((condition) => {
    const not = nodeOf(condition, "BoolExpr");
    if (stringField(not, "boolop") !== "NOT_EXPR") return false;
    const [argument] = arrayField(not, "args");
    const exists = nodeOf(argument, "SubLink");
    if (stringField(exists, "subLinkType") !== "EXISTS_SUBLINK") return false;
    const from = nodeOf(exists?.["subselect"], "SelectStmt")?.["fromClause"];
    return findNodes(from, "RangeVar").some(({ body }) => qualifiedName(body) === qualifiedName(target));
  });
}

/** The conditions of an expression joined by AND (the expression itself when it is not an AND). */
function conjuncts(expression: unknown): unknown[] {
  const and = nodeOf(expression, "BoolExpr");
  if (stringField(and, "boolop") !== "AND_EXPR") return expression === undefined ? [] : [expression];
  return arrayField(and, "args").flatMap(conjuncts);
}

/** The names a statement's columns of its target table can be qualified by: its alias, and its name. */
function targetNames(node: AstObject): Set<string> {
  const relation = objectField(node, "relation");
  const names = [stringField(objectField(relation, "alias"), "aliasname"), stringField(relation, "relname")];
  return new Set(names.filter((name) => name !== undefined));
}

/** Why SET assignments (`ResTarget`s) change the rows again: one reads a column the statement sets. */
function setRepeats(what: string, node: AstObject, assignments: unknown[]): string | undefined {
  const targets = assignments.map((item) => nodeOf(item, "ResTarget"));
  const columns = new Set(targets.map((target) => stringField(target, "name") ?? ""));
  const names = targetNames(node);
  for (const target of targets) {
    const set = stringField(target, "name") ?? "";
    if (settlesOnFirstRun(target?.["val"], set, columns, names)) continue;
    const read = columnRead(target?.["val"], columns, names, false);
    if (read === undefined) continue;
    return read === set
      ? `${what} sets "${set}" from its own value`
      : `${what} sets "${set}" from "${read}", which it also sets`;
  }
  return undefined;
}

/** The functions f of one argument with f(f(x)) = f(x): a second run leaves what the first wrote. */
const SETTLING_FUNCTIONS = new Set(["lower", "upper", "btrim", "ltrim", "rtrim"]);

/**
 * Whether a SET value reads its own column `set` only in a form whose second run gives what the
 * first wrote: the column itself (`c = c`), `coalesce(c, …)` with the column first, `lower(c)`,
 * `upper(c)` or a trim of it, and `greatest(c, …)` or `least(c, …)`, the other arguments reading
 * no column the statement sets (`excluded.n` in ON CONFLICT is the same row again on a retry).
 */
function settlesOnFirstRun(value: unknown, set: string, columns: Set<string>, names: Set<string>): boolean {
  const own = (node: unknown) =>
    referencedColumn(arrayField(nodeOf(node, "ColumnRef"), "fields"), columns, names, false) === set;
  const readsNothingSet = (nodes: unknown[]) =>
    nodes.every((node) => columnRead(node, columns, names, false) === undefined);
  if (own(value)) return true;
  const coalesce = nodeOf(value, "CoalesceExpr");
  if (coalesce) {
    const [first, ...rest] = arrayField(coalesce, "args");
    return own(first) && readsNothingSet(rest);
  }
  const minMax = nodeOf(value, "MinMaxExpr");
  if (minMax) {
    const args = arrayField(minMax, "args");
    const mine = args.filter(own);
    return mine.length === 1 && readsNothingSet(args.filter((arg) => !own(arg)));
  }
  const call = nodeOf(value, "FuncCall");
  const args = arrayField(call, "args");
  const name = nameList(call?.["funcname"]).at(-1) ?? "";
  return call !== undefined && SETTLING_FUNCTIONS.has(name) && args.length === 1 && own(args[0]);
}

/**
 * The first of the target's `columns` an expression reads (`*` for the whole row), or undefined.
 * `names` qualify the target's columns; `ownFrom` is set inside a sub-select with a FROM of its
 * own, where an unqualified column is taken as the sub-select's.
 */
function columnRead(value: unknown, columns: Set<string>, names: Set<string>, ownFrom: boolean): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const read = columnRead(item, columns, names, ownFrom);
      if (read !== undefined) return read;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const reference = objectField(value, "ColumnRef");
  if (reference) return referencedColumn(arrayField(reference, "fields"), columns, names, ownFrom);
  const select = objectField(value, "SelectStmt");
  const inner = ownFrom || arrayField(select, "fromClause").length > 0;
  for (const [key, child] of Object.entries(value))
    if (isObject(child) || Array.isArray(child)) {
      const read = columnRead(child, columns, names, key === "SelectStmt" ? inner : ownFrom);
      if (read !== undefined) return read;
    }
  return undefined;
}

/** Which of `columns` a column reference (`n`, `t.n`, `t.*`, a whole row `t`) reads of the target, if any. */
function referencedColumn(
  fields: unknown[],
  columns: Set<string>,
  names: Set<string>,
  ownFrom: boolean,
): string | undefined {
  const parts = fields.map((field) =>
    nodeOf(field, "A_Star") ? "*" : (stringField(nodeOf(field, "String"), "sval") ?? ""),
  );
  const column = parts.at(-1) ?? "";
  if (parts.length === 1) {
    if (ownFrom) return undefined;
    if (columns.has(column)) return column;
    return names.has(column) ? "*" : undefined;
  }
  if (!names.has(parts.at(-2) ?? "")) return undefined;
  return column === "*" || columns.has(column) ? column : undefined;
}

function mergeRepeats(node: AstObject, keyed: boolean): string | undefined {
  const what = `MERGE INTO "${tableName(objectField(node, "relation"))}"`;
  for (const item of arrayField(node, "mergeWhenClauses")) {
    const when = nodeOf(item, "MergeWhenClause");
    const command = stringField(when, "commandType");
    if (command === "CMD_UPDATE") {
      const why = setRepeats(`${what} … UPDATE`, node, arrayField(when, "targetList"));
      if (why) return why;
    }
    if (command === "CMD_INSERT" && !keyed && !insertsMatchedRow(node, when))
      return `${what} … WHEN NOT MATCHED THEN INSERT whose row its ON condition may not match on a second run (key the ON condition on the inserted columns)`;
  }
  return undefined;
}

/**
 * Whether the ON condition is only equalities `target.column = expression` and the INSERT sets each
 * such column to that same expression, so a second run matches the row the first inserted.
 */
function insertsMatchedRow(merge: AstObject, insert: AstObject | undefined): boolean {
  const names = targetNames(merge);
  const inserted = new Map<string, string>();
  const values = arrayField(insert, "values");
  arrayField(insert, "targetList").forEach((item, index) => {
    const column = stringField(nodeOf(item, "ResTarget"), "name");
    if (column !== undefined && index < values.length) inserted.set(column, canonicalNode(values[index]));
  });
  const keys = conjuncts(merge["joinCondition"]);
  return (
    keys.length > 0 &&
    keys.every((condition) => {
      const equality = nodeOf(condition, "A_Expr");
      if (stringField(equality, "kind") !== "AEXPR_OP" || nameList(equality?.["name"]).join(".") !== "=") return false;
      const sides = [equality?.["lexpr"], equality?.["rexpr"]];
      return sides.some((side, index) => {
        const column = targetColumn(side, names);
        const other = sides[1 - index];
        return column !== undefined && !readsTarget(other, names) && inserted.get(column) === canonicalNode(other);
      });
    })
  );
}

/** The column of a reference qualified by the target's name (`t.id`), or undefined. */
function targetColumn(value: unknown, names: Set<string>): string | undefined {
  const parts = nameList(nodeOf(value, "ColumnRef")?.["fields"]);
  return parts.length >= 2 && names.has(parts.at(-2) ?? "") ? parts.at(-1) : undefined;
}

/** Whether an expression may read the target: a column qualified by its name, or one not qualified at all. */
function readsTarget(value: unknown, names: Set<string>): boolean {
  return findNodes(value, "ColumnRef").some(({ body }) => {
    const parts = nameList(body["fields"]);
    return parts.length < 2 || names.has(parts.at(-2) ?? "");
  });
}
