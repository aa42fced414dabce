/**
 * Small typed accessors over libpg-query's JSON parse tree. The tree is plain JSON (`{ NodeType:
 * { field: … } }`); these helpers keep the rules free of casts.
 */

/** A parse-tree object: one node's fields. */
export type AstObject = { [key: string]: unknown };

/** Whether a value is a plain object node. */
export function isObject(value: unknown): value is AstObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field that holds an object, or undefined. */
export function objectField(node: AstObject | undefined, key: string): AstObject | undefined {
  const value = node?.[key];
  return isObject(value) ? value : undefined;
}

/** A field that holds an array, or an empty array. */
export function arrayField(node: AstObject | undefined, key: string): unknown[] {
  const value = node?.[key];
  return Array.isArray(value) ? value : [];
}

/** A field that holds a string, or undefined. */
export function stringField(node: AstObject | undefined, key: string): string | undefined {
  const value = node?.[key];
  return typeof value === "string" ? value : undefined;
}

/** A wrapped node `{ Type: body }`: its type name and body. */
export function unwrap(value: unknown): { type: string; body: AstObject } | undefined {
  if (!isObject(value)) return undefined;
  const [type] = Object.keys(value);
  if (type === undefined) return undefined;
  const body = value[type];
  return isObject(body) ? { type, body } : undefined;
}

/** The body of a wrapped node when it has the given type. */
export function nodeOf(value: unknown, type: string): AstObject | undefined {
  const node = unwrap(value);
  return node?.type === type ? node.body : undefined;
}

/** `[{ String: { sval } }, …]` name lists (`funcname`, `typeName.names`) as plain strings. */
export function nameList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => stringField(nodeOf(item, "String"), "sval") ?? "");
}

/** One entry of a statement's `objects` (`DROP INDEX a, s.b`, `DROP TABLE …`) as its name: `["s", "b"]`. */
export function objectNameList(object: unknown): string[] {
  return nameList(nodeOf(object, "List")?.["items"]);
}

/** The unqualified column names (`"c"`, not `"t"."c"`) an expression names, in order. */
export function columnRefNames(expression: unknown): string[] {
  return findNodes(expression, "ColumnRef").flatMap(({ body }) => {
    const fields = nameList(body["fields"]);
    return fields.length === 1 && fields[0] ? [fields[0]] : [];
  });
}

/**
 * Every wrapped node of a type anywhere below a value, with the chain of node types above it, in
 * document order. One walk with one stack of node types: the chain is copied only for a match
 * (rules and the runner's plan call this for every statement, so it must not allocate per node).
 */
export function findNodes(
  value: unknown,
  type: string,
  ancestors: string[] = [],
): { body: AstObject; ancestors: string[] }[] {
  const found: { body: AstObject; ancestors: string[] }[] = [];
  const chain = [...ancestors];
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    for (const key of Object.keys(node)) {
      const child = (node as AstObject)[key];
      if (typeof child !== "object" || child === null) continue;
      if (key === type && !Array.isArray(child)) found.push({ body: child as AstObject, ancestors: [...chain] });
      // Node types are capitalised (`CreateStmt`); fields are not (`relation`).
      const code = key.charCodeAt(0);
      const isNodeType = code >= 65 && code <= 90;
      if (isNodeType) chain.push(key);
      visit(child);
      if (isNodeType) chain.pop();
    }
  };
  visit(value);
  return found;
}

/** A table name from a `RangeVar` (schema dropped: the review keys tables by name). */
export function relationName(rangeVar: AstObject | undefined): string | undefined {
  return stringField(rangeVar, "relname");
}

/** A constant's text (`'off'`, `off`, `0`, `'off'::text`), or undefined when the value is not a constant. */
export function constantText(value: unknown): string | undefined {
  const cast = nodeOf(value, "TypeCast");
  if (cast) return constantText(cast["arg"]);
  const constant = nodeOf(value, "A_Const");
  if (!constant) return undefined;
  const text = stringField(objectField(constant, "sval"), "sval");
  if (text !== undefined) return text;
  const integer = objectField(constant, "ival");
  if (integer) return String(integer["ival"] ?? 0);
  const boolean = objectField(constant, "boolval");
  if (boolean) return boolean["boolval"] === true ? "true" : "false";
  return undefined;
}

/**
 * Whether a statement's boolean option (`VACUUM (FULL)`, `EXPLAIN (ANALYZE off)`) is on: given,
 * and not turned off by `false`, `off`, `no` or `0`.
 */
export function optionOn(options: unknown[], name: string): boolean {
  const option = options.map((o) => nodeOf(o, "DefElem")).find((o) => stringField(o, "defname") === name);
  if (!option) return false;
  const arg = option["arg"];
  if (arg === undefined) return true;
  const text = stringField(nodeOf(arg, "String"), "sval") ?? String(nodeOf(arg, "Integer")?.["ival"] ?? 0);
  return !["false", "off", "no", "0"].includes(text.toLowerCase());
}
