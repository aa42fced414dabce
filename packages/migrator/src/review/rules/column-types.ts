/** The columns a statement declares and their types, for the rules about column types and keys. */
import { type AstObject, arrayField, nameList, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import type { SchemaState } from "../schema-state.ts";
import { addedColumns, alterCommands } from "./statement-parts.ts";

/** A column declared by CREATE TABLE or ADD COLUMN, or given a new type by ALTER COLUMN … TYPE. */
export interface DeclaredColumn {
  table: string;
  column: string;
  /**
   * The type's last name as the parser gives it: `int4` for integer, `bpchar` for char(n),
   * `timestamp` for timestamp without time zone, `serial` as written…
   */
  type: string;
  how: "create" | "add" | "retype";
  constraints: AstObject[];
  /** Where the type is written (a parse-tree location). */
  location: unknown;
}

/** Every column the statement declares or retypes. */
export function declaredColumns(unit: SqlUnit): DeclaredColumn[] {
  const found: DeclaredColumn[] = [];
  const add = (table: string, column: string, definition: AstObject | undefined, how: DeclaredColumn["how"]) => {
    const typeName = objectField(definition, "typeName");
    if (!typeName) return;
    found.push({
      table,
      column,
      type: nameList(typeName["names"]).at(-1) ?? "",
      how,
      constraints: arrayField(definition, "constraints").flatMap((c) => {
        const constraint = nodeOf(c, "Constraint");
        return constraint ? [constraint] : [];
      }),
      location: typeName["location"],
    });
  };
  if (unit.type === "CreateStmt") {
    const table = tableName(objectField(unit.node, "relation"));
    for (const element of arrayField(unit.node, "tableElts")) {
      const definition = nodeOf(element, "ColumnDef");
      if (definition) add(table, stringField(definition, "colname") ?? "", definition, "create");
    }
  }
  for (const { table, subtype, command } of alterCommands(unit)) {
    const definition = nodeOf(command["def"], "ColumnDef");
    if (subtype === "AT_AddColumn") add(table, stringField(definition, "colname") ?? "", definition, "add");
    if (subtype === "AT_AlterColumnType") add(table, stringField(command, "name") ?? "", definition, "retype");
  }
  return found;
}

/** Types whose values come from a sequence: `serial` and its aliases. */
export const SERIAL_TYPES = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

/** Whether a column constraint list has a constraint of this kind (`CONSTR_PRIMARY`…). */
export function hasConstraint(constraints: readonly AstObject[], contype: string): boolean {
  return constraints.some((constraint) => stringField(constraint, "contype") === contype);
}

/**
 * The inline constraints of a kind (`CONSTR_GENERATED`…) on columns added to tables that existed
 * before the migration `file` (`state`: the schema right before the statement).
 */
export function constraintsOnAddedColumns(
  unit: SqlUnit,
  state: SchemaState,
  file: string,
  contype: string,
): { table: string; column: string; constraint: AstObject }[] {
  return addedColumns(unit)
    .filter(({ table }) => state.existedBefore(table, file))
    .flatMap(({ table, column, constraints }) =>
      constraints
        .filter((constraint) => stringField(constraint, "contype") === contype)
        .map((constraint) => ({ table, column, constraint })),
    );
}
