/** A column's type as text, from the parse tree's `TypeName`, to compare two columns' types. */
import { type AstObject, arrayField, nameList, nodeOf, objectField } from "./ast.ts";

/** Schemas whose names PostgreSQL's parser adds (`pg_catalog.int4`) or an unqualified name resolves to. */
const IMPLIED_SCHEMAS = new Set(["pg_catalog", "public"]);

/**
 * The type as PostgreSQL's parser resolved it, without the implied schema: `varchar(255)[]`,
 * `timestamptz(3)`, `mood`. Two spellings of one type (`character varying` and `varchar`) give
 * the same text.
 *
 * @example typeNameText(columnDef.typeName) // "varchar(255)"
 */
export function typeNameText(typeName: AstObject | undefined): string {
  const names = nameList(typeName?.["names"]);
  const name = (names.length > 1 && IMPLIED_SCHEMAS.has(names[0] ?? "") ? names.slice(1) : names).join(".");
  const modifiers = arrayField(typeName, "typmods").map((modifier) => {
    const constant = nodeOf(modifier, "A_Const");
    const value = objectField(constant, "ival")?.["ival"] ?? objectField(constant, "sval")?.["sval"];
    return String(value ?? "?");
  });
  const suffix = modifiers.length > 0 ? `(${modifiers.join(",")})` : "";
  return `${name}${suffix}${"[]".repeat(arrayField(typeName, "arrayBounds").length)}`;
}
