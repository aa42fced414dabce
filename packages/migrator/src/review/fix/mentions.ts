import { isObject } from "../../sql/ast.ts";

/** Whether any string in a parse tree equals `name` (a statement naming an index, say). */
export function mentions(value: unknown, name: string): boolean {
  if (typeof value === "string") return value === name;
  if (Array.isArray(value)) return value.some((item) => mentions(item, name));
  return isObject(value) && Object.values(value).some((child) => mentions(child, name));
}
