/**
 * The schema as it stands at a point of the history, rebuilt by replaying every migration's
 * statements in journal order. Rules ask it which tables already exist, which are tenant tables,
 * which index and constraint names are taken, and which policies a table has. Types, functions
 * and other objects are not modelled: no rule needs them.
 */
import { type AstObject, arrayField, nameList, nodeOf, objectField, relationName, stringField } from "../sql/ast.ts";
import type { Position, SqlUnit } from "../sql/parse-migration.ts";

/** A policy as the rules need it. */
export interface PolicyInfo {
  name: string;
  /** `select`, `insert`, `update`, `delete` or `all`. */
  command: string;
  roles: string[];
}

/** Where something was first declared. */
export interface Origin {
  file: string;
  position: Position;
}

interface TableInfo {
  columns: Set<string>;
  rowLevelSecurity: boolean;
  policies: PolicyInfo[];
}

/** The replayed schema. `clone()` before a migration to keep the state it started from. */
export class SchemaState {
  private readonly tables = new Map<string, TableInfo>();
  /** Index and constraint names, with where each was first used. */
  private readonly names = new Map<string, Origin>();

  /** A deep copy. */
  clone(): SchemaState {
    const copy = new SchemaState();
    for (const [name, table] of this.tables) {
      copy.tables.set(name, { ...table, columns: new Set(table.columns), policies: [...table.policies] });
    }
    for (const [name, origin] of this.names) copy.names.set(name, origin);
    return copy;
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  hasColumn(table: string, column: string): boolean {
    return this.tables.get(table)?.columns.has(column) ?? false;
  }

  /** Whether the table has the tenant column (never, for a project without one). */
  isTenantTable(table: string, tenantColumn: string | undefined): boolean {
    return tenantColumn !== undefined && this.hasColumn(table, tenantColumn);
  }

  rowLevelSecurity(table: string): boolean {
    return this.tables.get(table)?.rowLevelSecurity ?? false;
  }

  policies(table: string): PolicyInfo[] {
    return this.tables.get(table)?.policies ?? [];
  }

  /** Where an index or constraint name was first used, if it was. */
  nameOrigin(name: string): Origin | undefined {
    return this.names.get(name);
  }

  /** Applies one statement's effect on the schema. Statements it does not model change nothing. */
  apply(unit: SqlUnit, origin: Origin): void {
    const { node } = unit;
    switch (unit.type) {
      case "CreateStmt":
        return this.createTable(node, origin);
      case "AlterTableStmt":
        return this.alterTable(node, origin);
      case "IndexStmt": {
        const name = stringField(node, "idxname");
        if (name) this.claimName(name, origin);
        return;
      }
      case "CreatePolicyStmt": {
        const table = relationName(objectField(node, "table"));
        const info = this.tables.get(table ?? "");
        if (info) info.policies.push(policyOf(node));
        return;
      }
      case "RenameStmt":
        return this.rename(node);
      case "DropStmt":
        return this.drop(node);
    }
  }

  private claimName(name: string, origin: Origin): void {
    if (!this.names.has(name)) this.names.set(name, origin);
  }

  private createTable(node: AstObject, origin: Origin): void {
    const name = relationName(objectField(node, "relation"));
    if (!name || this.tables.has(name)) return;
    const table: TableInfo = { columns: new Set(), rowLevelSecurity: false, policies: [] };
    for (const element of arrayField(node, "tableElts")) {
      const column = nodeOf(element, "ColumnDef");
      if (column) {
        const columnName = stringField(column, "colname");
        if (columnName) table.columns.add(columnName);
        for (const constraint of arrayField(column, "constraints")) {
          const constraintName = stringField(nodeOf(constraint, "Constraint"), "conname");
          if (constraintName) this.claimName(constraintName, origin);
        }
      }
      const constraintName = stringField(nodeOf(element, "Constraint"), "conname");
      if (constraintName) this.claimName(constraintName, origin);
    }
    this.tables.set(name, table);
  }

  private alterTable(node: AstObject, origin: Origin): void {
    const table = this.tables.get(relationName(objectField(node, "relation")) ?? "");
    for (const item of arrayField(node, "cmds")) {
      const command = nodeOf(item, "AlterTableCmd");
      const subtype = stringField(command, "subtype");
      if (subtype === "AT_AddConstraint") {
        const name = stringField(nodeOf(command?.["def"], "Constraint"), "conname");
        if (name) this.claimName(name, origin);
      }
      if (!table) continue;
      if (subtype === "AT_AddColumn") {
        const name = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname");
        if (name) table.columns.add(name);
      } else if (subtype === "AT_DropColumn") {
        table.columns.delete(stringField(command, "name") ?? "");
      } else if (subtype === "AT_EnableRowSecurity" || subtype === "AT_ForceRowSecurity") {
        table.rowLevelSecurity = true;
      } else if (subtype === "AT_DisableRowSecurity") {
        table.rowLevelSecurity = false;
      }
    }
  }

  private rename(node: AstObject): void {
    const type = stringField(node, "renameType");
    const table = relationName(objectField(node, "relation")) ?? "";
    const newName = stringField(node, "newname") ?? "";
    const info = this.tables.get(table);
    if (type === "OBJECT_TABLE" && info) {
      this.tables.delete(table);
      this.tables.set(newName, info);
    } else if (type === "OBJECT_COLUMN" && info) {
      info.columns.delete(stringField(node, "subname") ?? "");
      info.columns.add(newName);
    }
  }

  private drop(node: AstObject): void {
    const type = stringField(node, "removeType");
    for (const object of arrayField(node, "objects")) {
      const names = nameList(nodeOf(object, "List")?.["items"]);
      const name = names.at(-1) ?? "";
      if (type === "OBJECT_TABLE") this.tables.delete(name);
      else if (type === "OBJECT_INDEX") this.names.delete(name);
      else if (type === "OBJECT_POLICY") {
        const table = this.tables.get(names.at(-2) ?? "");
        if (table) table.policies = table.policies.filter((policy) => policy.name !== name);
      }
    }
  }
}

/** A `CREATE POLICY` statement's name, command and roles. */
function policyOf(node: AstObject): PolicyInfo {
  return {
    name: stringField(node, "policy_name") ?? "",
    command: stringField(node, "cmd_name") ?? "all",
    roles: arrayField(node, "roles").map((role) => {
      const spec = nodeOf(role, "RoleSpec");
      return stringField(spec, "rolename") ?? (stringField(spec, "roletype") === "ROLESPEC_PUBLIC" ? "public" : "");
    }),
  };
}
