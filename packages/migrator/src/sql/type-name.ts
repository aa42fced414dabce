/** A column's type from the parse tree's `TypeName`, to compare two columns' types. */
import { type AstObject, arrayField, nameList, nodeOf, objectField } from "./ast.ts";

/** Schemas whose names PostgreSQL's parser adds (`pg_catalog.int4`) or an unqualified name resolves to. */
const IMPLIED_SCHEMAS = new Set(["pg_catalog", "public"]);

/** A type as PostgreSQL's parser resolved it: `varchar(255)[]` is `{ name: "varchar", modifiers: ["255"], arrayDepth: 1 }`. */
export interface ColumnType {
  /** Without the implied schema: `varchar`, `timestamptz`, `mood`, `auth.role`. */
  name: string;
  modifiers: string[];
  arrayDepth: number;
}

/** The parts of a `TypeName`; two spellings of one type (`character varying`, `varchar`) give the same. */
export function columnType(typeName: AstObject | undefined): ColumnType {
  const names = nameList(typeName?.["names"]);
  const name = (names.length > 1 && IMPLIED_SCHEMAS.has(names[0] ?? "") ? names.slice(1) : names).join(".");
  const modifiers = arrayField(typeName, "typmods").map((modifier) => {
    const constant = nodeOf(modifier, "A_Const");
    const value = objectField(constant, "ival")?.["ival"] ?? objectField(constant, "sval")?.["sval"];
    return String(value ?? "?");
  });
  return { name, modifiers, arrayDepth: arrayField(typeName, "arrayBounds").length };
}

/**
 * The type as text: `varchar(255)[]`, `timestamptz(3)`, `mood`.
 *
 * @example typeNameText(columnDef.typeName) // "varchar(255)"
 */
export function typeNameText(typeName: AstObject | undefined): string {
  return columnTypeText(columnType(typeName));
}

export function columnTypeText({ name, modifiers, arrayDepth }: ColumnType): string {
  return `${name}${modifiers.length > 0 ? `(${modifiers.join(",")})` : ""}${"[]".repeat(arrayDepth)}`;
}
