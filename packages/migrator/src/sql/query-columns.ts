/**
 * The columns of a query's result as PostgreSQL names them, read from the parse tree: what a table
 * made by `CREATE TABLE … AS` or `SELECT … INTO` gets. `*` and `alias.*` expand to the columns of
 * the tables in FROM, which the caller looks up (the review's replayed schema), of sub-selects and
 * of WITH queries; a set operation takes its first branch's names, VALUES `column1`, `column2`, …
 * An expression without `AS` gets the name PostgreSQL gives it (a column's, a function's, a
 * cast's argument's, `?column?` for the rest). The result is unknown when a `*` reaches what the
 * tree does not describe: a table the lookup does not know, a view, a function in FROM.
 */
import { type AstObject, arrayField, nameList, nodeOf, objectField, stringField, unwrap } from "./ast.ts";

/** A result column: its name, and the table column it is when the query reads one as it is. */
export interface QueryColumn<C> {
  name: string;
  column?: C;
}

/** Looks up a table's columns by its `RangeVar`; undefined when the table is not known. */
export type TableColumns<C> = (relation: AstObject) => ReadonlyMap<string, C> | undefined;

/** A relation of FROM as the select list sees it: the name it is known by, and its columns. */
interface FromItem<C> {
  name: string | undefined;
  columns: QueryColumn<C>[] | undefined;
}

/**
 * The result columns of a query (a `SelectStmt`'s fields), or undefined when they cannot be read.
 *
 * @example queryColumns(parseSql("SELECT *, 1 AS n FROM t")[0]?.node, lookup) // [{ name: "id", column }, …, { name: "n" }]
 */
export function queryColumns<C>(
  select: AstObject | undefined,
  tableColumns: TableColumns<C>,
): QueryColumn<C>[] | undefined {
  return selectColumns(select, tableColumns, new Map());
}

function selectColumns<C>(
  select: AstObject | undefined,
  tableColumns: TableColumns<C>,
  outerWith: ReadonlyMap<string, QueryColumn<C>[] | undefined>,
): QueryColumn<C>[] | undefined {
  if (!select) return undefined;
  const withQueries = new Map(outerWith);
  for (const item of arrayField(objectField(select, "withClause"), "ctes")) {
    const cte = nodeOf(item, "CommonTableExpr");
    const name = stringField(cte, "ctename");
    if (!cte || name === undefined) continue;
    // A recursive query's names come from its first branch, read before the name is in scope.
    const columns = selectColumns(nodeOf(cte["ctequery"], "SelectStmt"), tableColumns, withQueries);
    withQueries.set(name, renamed(columns, nameList(cte["aliascolnames"])));
  }
  if (stringField(select, "op") !== undefined && stringField(select, "op") !== "SETOP_NONE") {
    return selectColumns(objectField(select, "larg"), tableColumns, withQueries)?.map(({ name }) => ({ name }));
  }
  const values = arrayField(select, "valuesLists");
  if (values.length > 0) {
    return arrayField(nodeOf(values[0], "List"), "items").map((_, i) => ({ name: `column${i + 1}` }));
  }
  const from = arrayField(select, "fromClause").flatMap((item) => fromItems(item, tableColumns, withQueries));
  const columns: QueryColumn<C>[] = [];
  for (const target of arrayField(select, "targetList")) {
    const result = nodeOf(target, "ResTarget");
    const value = result?.["val"];
    const star = starOf(value);
    if (star) {
      const items = star.qualifier === undefined ? from : from.filter((item) => item.name === star.qualifier);
      if (items.length === 0) return undefined;
      for (const item of items) {
        if (!item.columns) return undefined;
        columns.push(...item.columns);
      }
      continue;
    }
    const column = columnOf(value, from);
    columns.push({ name: stringField(result, "name") ?? columnName(value), ...(column ? { column } : {}) });
  }
  return columns;
}

/** The relations a FROM entry makes visible (a join, both sides'). */
function fromItems<C>(
  item: unknown,
  tableColumns: TableColumns<C>,
  withQueries: ReadonlyMap<string, QueryColumn<C>[] | undefined>,
): FromItem<C>[] {
  const join = nodeOf(item, "JoinExpr");
  if (join)
    return [
      ...fromItems(join["larg"], tableColumns, withQueries),
      ...fromItems(join["rarg"], tableColumns, withQueries),
    ];
  const relation = nodeOf(item, "RangeVar");
  if (relation) {
    const relname = stringField(relation, "relname") ?? "";
    const alias = objectField(relation, "alias");
    const known = stringField(relation, "schemaname") === undefined && withQueries.has(relname);
    const table = known ? undefined : tableColumns(relation);
    const columns = known ? withQueries.get(relname) : table && [...table].map(([name, column]) => ({ name, column }));
    return [
      { name: stringField(alias, "aliasname") ?? relname, columns: renamed(columns, nameList(alias?.["colnames"])) },
    ];
  }
  const subselect = nodeOf(item, "RangeSubselect");
  if (subselect) {
    const alias = objectField(subselect, "alias");
    const columns = selectColumns(nodeOf(subselect["subquery"], "SelectStmt"), tableColumns, withQueries);
    return [{ name: stringField(alias, "aliasname"), columns: renamed(columns, nameList(alias?.["colnames"])) }];
  }
  // A function, a table sample, XMLTABLE…: columns the tree does not describe.
  const other = unwrap(item);
  const alias = objectField(other?.body, "alias");
  return [{ name: stringField(alias, "aliasname"), columns: undefined }];
}

/** The first columns given new names (an alias's or a WITH query's column list). */
function renamed<C>(columns: QueryColumn<C>[] | undefined, names: string[]): QueryColumn<C>[] | undefined {
  return columns?.map((column, i) => (names[i] === undefined ? column : { ...column, name: names[i] }));
}

/** `*` or `alias.*` in a select list. */
function starOf(value: unknown): { qualifier?: string } | undefined {
  const fields = arrayField(nodeOf(value, "ColumnRef"), "fields");
  if (!nodeOf(fields.at(-1), "A_Star")) return undefined;
  const qualifier = fields.length > 1 ? stringField(nodeOf(fields.at(-2), "String"), "sval") : undefined;
  return qualifier === undefined ? {} : { qualifier };
}

/** The table column a select-list entry is when it names one as it is (`col`, `alias.col`). */
function columnOf<C>(value: unknown, from: FromItem<C>[]): C | undefined {
  const fields = nameList(nodeOf(value, "ColumnRef")?.["fields"]);
  const name = fields.at(-1);
  const qualifier = fields.length > 1 ? fields.at(-2) : undefined;
  const items = from.filter((item) => qualifier === undefined || item.name === qualifier);
  const matches = items.flatMap((item) => (item.columns ?? []).filter((column) => column.name === name));
  return matches.length === 1 ? matches[0]?.column : undefined;
}

/** The name PostgreSQL gives a select-list entry without `AS` (its FigureColname). */
function columnName(value: unknown): string {
  const node = unwrap(value);
  switch (node?.type) {
    case "ColumnRef":
      return nameList(node.body["fields"]).at(-1) || "?column?";
    case "TypeCast": {
      const name = columnName(node.body["arg"]);
      return name === "?column?" ? (nameList(objectField(node.body, "typeName")?.["names"]).at(-1) ?? name) : name;
    }
    case "FuncCall":
      return nameList(node.body["funcname"]).at(-1) ?? "?column?";
    case "SubLink": {
      const kind = stringField(node.body, "subLinkType");
      if (kind === "EXISTS_SUBLINK") return "exists";
      if (kind === "ARRAY_SUBLINK") return "array";
      if (kind !== "EXPR_SUBLINK") return "?column?";
      const first = nodeOf(arrayField(nodeOf(node.body["subselect"], "SelectStmt"), "targetList")[0], "ResTarget");
      return stringField(first, "name") ?? columnName(first?.["val"]);
    }
    case "CoalesceExpr":
      return "coalesce";
    case "CaseExpr":
      return "case";
    default:
      return "?column?";
  }
}
