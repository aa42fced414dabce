/** The parts of CREATE TABLE / ALTER TABLE statements that several rules look at. */
import { type AstObject, arrayField, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import type { SchemaState } from "../schema-state.ts";

/** One `ALTER TABLE … <command>`. */
export interface AlterCommand {
  table: string;
  subtype: string;
  command: AstObject;
}

/** The commands of an ALTER TABLE statement (none for other statements). */
export function alterCommands(unit: SqlUnit): AlterCommand[] {
  if (unit.type !== "AlterTableStmt") return [];
  const table = tableName(objectField(unit.node, "relation"));
  return arrayField(unit.node, "cmds").flatMap((item) => {
    const command = nodeOf(item, "AlterTableCmd");
    return command ? [{ table, subtype: stringField(command, "subtype") ?? "", command }] : [];
  });
}

/** A column added by ALTER TABLE … ADD COLUMN, with its inline constraints. */
export interface AddedColumn {
  table: string;
  column: string;
  definition: AstObject;
  constraints: AstObject[];
}

export function addedColumns(unit: SqlUnit): AddedColumn[] {
  return alterCommands(unit)
    .filter((command) => command.subtype === "AT_AddColumn")
    .flatMap(({ table, command }) => {
      const definition = nodeOf(command["def"], "ColumnDef");
      if (!definition) return [];
      const constraints = arrayField(definition, "constraints").flatMap((c) => {
        const constraint = nodeOf(c, "Constraint");
        return constraint ? [constraint] : [];
      });
      return [{ table, column: stringField(definition, "colname") ?? "", definition, constraints }];
    });
}

/** A constraint declared in CREATE TABLE (table or column level) or added by ALTER TABLE. */
export interface DeclaredConstraint {
  table: string;
  constraint: AstObject;
  /** The column it is declared on, for column constraints. */
  column?: string;
  /** Added by ALTER TABLE … ADD CONSTRAINT (rather than inside CREATE TABLE). */
  added: boolean;
}

export function declaredConstraints(unit: SqlUnit): DeclaredConstraint[] {
  const found: DeclaredConstraint[] = [];
  if (unit.type === "CreateStmt") {
    const table = tableName(objectField(unit.node, "relation"));
    for (const element of arrayField(unit.node, "tableElts")) {
      const column = nodeOf(element, "ColumnDef");
      for (const c of arrayField(column, "constraints")) {
        const constraint = nodeOf(c, "Constraint");
        if (constraint) found.push({ table, constraint, column: stringField(column, "colname") ?? "", added: false });
      }
      const constraint = nodeOf(element, "Constraint");
      if (constraint) found.push({ table, constraint, added: false });
    }
  }
  for (const { table, subtype, command } of alterCommands(unit)) {
    if (subtype === "AT_AddConstraint") {
      const constraint = nodeOf(command["def"], "Constraint");
      if (constraint) found.push({ table, constraint, added: true });
    }
    if (subtype === "AT_AddColumn") {
      const definition = nodeOf(command["def"], "ColumnDef");
      for (const c of arrayField(definition, "constraints")) {
        const constraint = nodeOf(c, "Constraint");
        if (constraint)
          found.push({ table, constraint, column: stringField(definition, "colname") ?? "", added: true });
      }
    }
  }
  return found;
}

/**
 * Whether `table` is a tenant table (has `tenantColumn`) in the schema before `unit`, or will be
 * one by `unit`: its CREATE TABLE, or an ALTER TABLE that adds the column.
 */
export function isTenantTable(unit: SqlUnit, table: string, state: SchemaState, tenantColumn: string): boolean {
  const created = unit.type === "CreateStmt" && tableName(objectField(unit.node, "relation")) === table;
  if (!created) {
    // An ALTER TABLE that adds the tenant column makes it one in the same statement.
    const adds = alterCommands(unit).some(
      (c) =>
        c.table === table &&
        c.subtype === "AT_AddColumn" &&
        stringField(nodeOf(c.command["def"], "ColumnDef"), "colname") === tenantColumn,
    );
    return adds || state.isTenantTable(table, tenantColumn);
  }
  return arrayField(unit.node, "tableElts").some(
    (element) => stringField(nodeOf(element, "ColumnDef"), "colname") === tenantColumn,
  );
}
