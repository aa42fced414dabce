/**
 * Whether a data change (INSERT, UPDATE, MERGE) does its work again when it runs a second time,
 * judged from its parse tree alone. guards.ts asks whether a statement fails on a second run; a
 * data change does not fail, it inserts the rows again or moves a counter on once more, which a
 * retried no-transaction migration must not do.
 *
 * The judgment is conservative, from the tree:
 * - an INSERT repeats unless it has `ON CONFLICT`, or is `INSERT (columns) SELECT … WHERE NOT EXISTS
 *   (SELECT … FROM target WHERE target.column = expression AND …)`, the `NOT EXISTS` a conjunct of
 *   the WHERE, over the target alone, and keyed only on columns the SELECT inserts as those same
 *   expressions (a second run then finds the row the first inserted);
 * - an `ON CONFLICT (columns)` repeats when the INSERT leaves a key column out or sets it to a value
 *   new on every run (DEFAULT, `nextval`, a random value): a retry never conflicts;
 * - an UPDATE (and `ON CONFLICT DO UPDATE`, MERGE's `UPDATE`) repeats when a SET reads a column the
 *   statement sets (`SET n = n + 1`, `SET a = b, b = a`); `SET n = 5` and `SET a = b` do not. A read
 *   through another range over the target (a self-join in the FROM, a sub-select or CTE over it, a
 *   MERGE source reading it) is a read of the target. Inside a sub-select with a FROM of its own
 *   that is not over the target, a column not qualified by the target's name is the sub-select's;
 * - a MERGE's `WHEN NOT MATCHED THEN INSERT` repeats unless the ON condition is only equalities
 *   `target.column = expression` and the INSERT sets each such column to that same expression: then
 *   the row it inserts is matched on the second run; with `WHEN MATCHED THEN DELETE` it repeats
 *   anyway, the second run deleting what the first inserted;
 * - DELETE never repeats anything.
 * An `IF` around the statement in a DO block counts as a guard, as for guards.ts, and for an INSERT
 * a handler of `unique_violation` (the author relies on a key that refuses the second row).
 */
import {
  type AstObject,
  arrayField,
  columnRefNames,
  findNodes,
  isObject,
  nameList,
  nodeOf,
  objectField,
  stringField,
  unwrap,
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
    const key = newConflictKey(node, conflict);
    if (key)
      return `INSERT INTO "${table}" … ON CONFLICT ${key}, so a second run inserts a new row instead of conflicting`;
    if (stringField(conflict, "action") !== "ONCONFLICT_UPDATE") return undefined;
    return setRepeats(`INSERT INTO "${table}" … ON CONFLICT DO UPDATE`, node, arrayField(conflict, "targetList"));
  }
  if (keyed || selectsOnlyNew(node)) return undefined;
  return `INSERT INTO "${table}" without ON CONFLICT or WHERE NOT EXISTS on "${table}"`;
}

/** Functions whose every call gives a new value: a key made by one is new on a retry. */
const NEW_EACH_CALL = new Set([
  "nextval",
  "gen_random_uuid",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "uuidv4",
  "uuidv7",
  "random",
]);

/** Whether an inserted value is new on every run: DEFAULT (a sequence, a generated key), or one made with a {@link NEW_EACH_CALL} function. */
function newEachRun(value: unknown): boolean {
  return (
    findNodes(value, "SetToDefault").length > 0 ||
    findNodes(value, "FuncCall").some(({ body }) => NEW_EACH_CALL.has(nameList(body["funcname"]).at(-1) ?? ""))
  );
}

/**
 * How an `ON CONFLICT (columns)` can never conflict on a retry (the INSERT leaves a key column out
 * of its column list, or sets it to a value new on every run), or undefined. A bare
 * `ON CONFLICT DO NOTHING` or `ON CONFLICT ON CONSTRAINT` names no columns: which key it conflicts
 * on is the table's, which this check does not know, so it passes. Without a column list the key's
 * value is unknown, so any value new on every run counts.
 */
function newConflictKey(insert: AstObject, conflict: AstObject): string | undefined {
  const keys = arrayField(objectField(conflict, "infer"), "indexElems").flatMap((item) => {
    const element = nodeOf(item, "IndexElem");
    const name = stringField(element, "name");
    return name === undefined ? columnRefNames(element?.["expr"]) : [name];
  });
  if (keys.length === 0) return undefined;
  const inserted = insertedValues(insert);
  const listed = arrayField(insert, "cols").length > 0;
  for (const key of keys) {
    if (listed && !inserted.has(key)) return `("${key}") without inserting "${key}"`;
    const values = listed ? (inserted.get(key) ?? []) : [...inserted.values()].flat();
    if (values.some(newEachRun))
      return `("${key}") with a "${key}" new on every run (DEFAULT, a sequence, a random value)`;
  }
  if (!listed && objectField(insert, "selectStmt") === undefined) return `("${keys.join('", "')}") with DEFAULT VALUES`;
  return undefined;
}

/**
 * The values an INSERT puts in each column of its column list (one per VALUES row or SELECT of a
 * set operation); with no column list, the values by position (`"1"`, `"2"`, …). A value that
 * cannot be told (`SELECT *`) is left out.
 */
function insertedValues(insert: AstObject): Map<string, unknown[]> {
  const columns = arrayField(insert, "cols").map((item) => stringField(nodeOf(item, "ResTarget"), "name") ?? "");
  const inserted = new Map<string, unknown[]>(columns.map((column) => [column, []]));
  for (const row of selectedRows(nodeOf(insert["selectStmt"], "SelectStmt")))
    row.forEach((value, index) => {
      const column = columns.length > 0 ? columns[index] : String(index + 1);
      if (column !== undefined) inserted.set(column, [...(inserted.get(column) ?? []), value]);
    });
  return inserted;
}

/** The rows of values a SELECT, VALUES or set operation of them produces, as expressions; none for `*`. */
function selectedRows(select: AstObject | undefined): unknown[][] {
  if (!select) return [];
  if ((stringField(select, "op") ?? "SETOP_NONE") !== "SETOP_NONE")
    return [objectField(select, "larg"), objectField(select, "rarg")].flatMap(selectedRows);
  const values = arrayField(select, "valuesLists");
  if (values.length > 0) return values.map((row) => arrayField(nodeOf(row, "List"), "items"));
  const row = arrayField(select, "targetList").map((item) => nodeOf(item, "ResTarget")?.["val"]);
  const star = (value: unknown) => arrayField(nodeOf(value, "ColumnRef"), "fields").some((f) => nodeOf(f, "A_Star"));
  return row.some(star) ? [] : [row];
}

/**
 * Whether an INSERT is `INSERT (columns) SELECT … WHERE … AND NOT EXISTS (SELECT … FROM target
 * WHERE target.column = expression AND …)` (not VALUES, not a set operation), the `NOT EXISTS`
 * keyed on the inserted row as {@link keysInsertedRow} says, and the SELECT reading its values from
 * a FROM that is not the target (whose new rows would give new values on a second run).
 */
function selectsOnlyNew(insert: AstObject): boolean {
  const select = nodeOf(insert["selectStmt"], "SelectStmt");
  if (!select || arrayField(select, "valuesLists").length > 0) return false;
  if ((stringField(select, "op") ?? "SETOP_NONE") !== "SETOP_NONE") return false;
  const tables = targetTables(insert);
  if (rangesOver(select["fromClause"], tables).length > 0) return false;
  const inserted = new Map(
    [...insertedValues(insert)].flatMap(([column, [value, ...more]]) =>
      more.length === 0 && value !== undefined ? [[column, canonicalNode(value)] as const] : [],
    ),
  );
  return conjuncts(select["whereClause"]).some((condition) => {
    const not = nodeOf(condition, "BoolExpr");
    if (stringField(not, "boolop") !== "NOT_EXPR") return false;
    const [argument] = arrayField(not, "args");
    const exists = nodeOf(argument, "SubLink");
    if (stringField(exists, "subLinkType") !== "EXISTS_SUBLINK") return false;
    const probe = nodeOf(exists?.["subselect"], "SelectStmt");
    const [only, ...others] = arrayField(probe, "fromClause");
    const range = nodeOf(only, "RangeVar");
    if (!range || others.length > 0 || !tables.has(qualifiedName(range))) return false;
    if (["havingClause", "limitCount", "limitOffset"].some((key) => probe?.[key] !== undefined)) return false;
    const name = stringField(objectField(range, "alias"), "aliasname") ?? stringField(range, "relname") ?? "";
    return keysInsertedRow(probe?.["whereClause"], new Set([name]), new Set([name]), inserted, true);
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

/**
 * The target table as a range can name it (`schema.name`, see qualifiedName), with the CTEs of the
 * statement's WITH that read it (a range over such a CTE reads the target too).
 */
function targetTables(node: AstObject): Set<string> {
  const tables = new Set([qualifiedName(objectField(node, "relation"))]);
  for (const item of arrayField(objectField(node, "withClause"), "ctes")) {
    const cte = nodeOf(item, "CommonTableExpr");
    const name = stringField(cte, "ctename");
    if (name !== undefined && readsTable(cte?.["ctequery"], tables)) tables.add(qualifiedName({ relname: name }));
  }
  return tables;
}

/** Whether a range over one of `tables` appears anywhere below a value. */
function readsTable(value: unknown, tables: Set<string>): boolean {
  return findNodes(value, "RangeVar").some(({ body }) => tables.has(qualifiedName(body)));
}

/**
 * The names a FROM list (or a MERGE's source) reads the target's rows through: the alias (or name)
 * of each range over one of `tables`, and the alias of a sub-select, join or function range with
 * one inside.
 */
function rangesOver(from: unknown, tables: Set<string>): string[] {
  if (Array.isArray(from)) return from.flatMap((item) => rangesOver(item, tables));
  const range = nodeOf(from, "RangeVar");
  if (range) {
    if (!tables.has(qualifiedName(range))) return [];
    return [stringField(objectField(range, "alias"), "aliasname") ?? stringField(range, "relname") ?? ""];
  }
  const join = nodeOf(from, "JoinExpr");
  const inside = join ? [join["larg"], join["rarg"]].flatMap((side) => rangesOver(side, tables)) : [];
  const alias = stringField(objectField(unwrap(from)?.body, "alias"), "aliasname");
  return alias !== undefined && readsTable(from, tables) ? [...inside, alias] : inside;
}

/**
 * What a SET value is read against: the columns the statement sets, the names qualifying a read of
 * the target's columns (its own, and every range over the target in its FROM, MERGE source, or a
 * sub-select), the tables that are the target, and whether an unqualified column is an enclosing
 * sub-select's (`ownFrom`, inside a sub-select with a FROM that is not over the target).
 */
interface Reading {
  columns: Set<string>;
  /** The target's own name and alias: a column read through them is the row's own value. */
  self: Set<string>;
  names: Set<string>;
  tables: Set<string>;
  ownFrom: boolean;
}

/**
 * The names a statement reads its target's columns by: its name and alias, every range over the
 * target in an UPDATE's FROM or a MERGE's source, and `excluded` when an INSERT's rows are read
 * from the target (`excluded.n` is then the target's `n` again).
 */
function readerNames(node: AstObject, tables: Set<string>): Set<string> {
  const names = [...targetNames(node), ...rangesOver([node["fromClause"], node["sourceRelation"]].flat(), tables)];
  if (readsTable(node["selectStmt"], tables)) names.push("excluded");
  return new Set(names);
}

/** Why SET assignments (`ResTarget`s) change the rows again: one reads a column the statement sets. */
function setRepeats(what: string, node: AstObject, assignments: unknown[]): string | undefined {
  const targets = assignments.map((item) => nodeOf(item, "ResTarget"));
  const tables = targetTables(node);
  const reading: Reading = {
    columns: new Set(targets.map((target) => stringField(target, "name") ?? "")),
    self: targetNames(node),
    names: readerNames(node, tables),
    tables,
    ownFrom: false,
  };
  for (const target of targets) {
    const set = stringField(target, "name") ?? "";
    if (settlesOnFirstRun(target?.["val"], set, reading)) continue;
    const read = columnRead(target?.["val"], reading);
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
 * first wrote: the column itself (`c = c`, read through the target's own name, not another range over it), `coalesce(c, …)` with the column first, `lower(c)`,
 * `upper(c)` or a trim of it, and `greatest(c, …)` or `least(c, …)`, the other arguments reading
 * no column the statement sets (`excluded.n` in ON CONFLICT is the same row again on a retry).
 */
function settlesOnFirstRun(value: unknown, set: string, reading: Reading): boolean {
  const fields = (node: unknown) => arrayField(nodeOf(node, "ColumnRef"), "fields");
  const own = (node: unknown) => referencedColumn(fields(node), { ...reading, names: reading.self }) === set;
  const readsNothingSet = (nodes: unknown[]) => nodes.every((node) => columnRead(node, reading) === undefined);
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
 * The first of the target's columns set that an expression reads (`*` for the whole row), or
 * undefined. A sub-select with a range over the target in its FROM reads the target through that
 * range's name, and through its unqualified columns; one with another FROM owns its unqualified columns.
 */
function columnRead(value: unknown, reading: Reading): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const read = columnRead(item, reading);
      if (read !== undefined) return read;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const reference = objectField(value, "ColumnRef");
  if (reference) return referencedColumn(arrayField(reference, "fields"), reading);
  const select = objectField(value, "SelectStmt");
  const from = arrayField(select, "fromClause");
  const over = rangesOver(from, reading.tables);
  const inner: Reading =
    over.length > 0
      ? { ...reading, names: new Set([...reading.names, ...over]), ownFrom: false }
      : { ...reading, ownFrom: reading.ownFrom || from.length > 0 };
  for (const [key, child] of Object.entries(value))
    if (isObject(child) || Array.isArray(child)) {
      const read = columnRead(child, key === "SelectStmt" ? inner : reading);
      if (read !== undefined) return read;
    }
  return undefined;
}

/** Which of the columns set a column reference (`n`, `t.n`, `t.*`, a whole row `t`) reads of the target, if any. */
function referencedColumn(fields: unknown[], { columns, names, ownFrom }: Reading): string | undefined {
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
  const whens = arrayField(node, "mergeWhenClauses").map((item) => nodeOf(item, "MergeWhenClause"));
  const does = (match: string, command: string) =>
    whens.some((when) => stringField(when, "matchKind") === match && stringField(when, "commandType") === command);
  if (does("MERGE_WHEN_MATCHED", "CMD_DELETE") && does("MERGE_WHEN_NOT_MATCHED_BY_TARGET", "CMD_INSERT"))
    return `${what} … WHEN MATCHED THEN DELETE with WHEN NOT MATCHED THEN INSERT deletes on a second run the rows the first inserted`;
  for (const when of whens) {
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
  const inserted = new Map<string, string>();
  const values = arrayField(insert, "values");
  arrayField(insert, "targetList").forEach((item, index) => {
    const column = stringField(nodeOf(item, "ResTarget"), "name");
    if (column !== undefined && index < values.length) inserted.set(column, canonicalNode(values[index]));
  });
  const readers = readerNames(merge, targetTables(merge));
  return keysInsertedRow(merge["joinCondition"], targetNames(merge), readers, inserted, false);
}

/**
 * Whether a condition is only equalities `target.column = expression` (at least one), each column
 * inserted as that same expression (`inserted`: column → canonical expression) and the expression
 * reading nothing of the target and new on no run: the row inserted satisfies it on a second run.
 * `names` qualify the target's columns; with `bare`, an unqualified inserted column is the target's
 * too. `readers` are the names an expression must not read through, nor an unqualified column.
 */
function keysInsertedRow(
  condition: unknown,
  names: Set<string>,
  readers: Set<string>,
  inserted: Map<string, string>,
  bare: boolean,
): boolean {
  const keys = conjuncts(condition);
  return (
    keys.length > 0 &&
    keys.every((key) => {
      const equality = nodeOf(key, "A_Expr");
      if (stringField(equality, "kind") !== "AEXPR_OP" || nameList(equality?.["name"]).join(".") !== "=") return false;
      const sides = [equality?.["lexpr"], equality?.["rexpr"]];
      return sides.some((side, index) => {
        const column = targetColumn(side, names, bare ? inserted : undefined);
        const other = sides[1 - index];
        return (
          column !== undefined &&
          !readsTarget(other, readers) &&
          !newEachRun(other) &&
          inserted.get(column) === canonicalNode(other)
        );
      });
    })
  );
}

/**
 * The column of a reference qualified by the target's name (`t.id`), or, when `bare` is given, an
 * unqualified one among its columns; otherwise undefined.
 */
function targetColumn(value: unknown, names: Set<string>, bare?: Map<string, string>): string | undefined {
  const parts = nameList(nodeOf(value, "ColumnRef")?.["fields"]);
  if (parts.length === 1 && bare?.has(parts[0] ?? "")) return parts[0];
  return parts.length >= 2 && names.has(parts.at(-2) ?? "") ? parts.at(-1) : undefined;
}

/** Whether an expression may read the target: a column qualified by its name, or one not qualified at all. */
function readsTarget(value: unknown, names: Set<string>): boolean {
  return findNodes(value, "ColumnRef").some(({ body }) => {
    const parts = nameList(body["fields"]);
    return parts.length < 2 || names.has(parts.at(-2) ?? "");
  });
}
