/**
 * The schema as it stands at a point of the history, rebuilt by replaying every migration's
 * statements in journal order. Rules ask it which tables already exist (with their columns'
 * types), which are tenant tables, which index and constraint names are taken, and which policies
 * a table has, and which routines exist: their bodies, which a call in a later migration runs
 * (parse-migration.ts reads them at the call), and whether they run SQL the review cannot read (a
 * call of one is a DO block by another name: `dynamic-sql`); and the queries prepared and not
 * deallocated (the runner runs every migration in one session: a later one's `EXECUTE` runs them).
 * Types and other objects are not modelled: no rule needs them. Tables are named by `tableName`: a
 * table of another schema than `public` (`auth.sessions`) is not the `public` table of the same name.
 */
import {
  arrayField,
  type AstObject,
  findNodes,
  nameList,
  nodeOf,
  objectField,
  objectNameList,
  stringField,
} from "../sql/ast.ts";
import type { EarlierRoutine } from "../sql/called-routines.ts";
import { canonicalNode } from "../sql/canonical-sql.ts";
import { applyRoutineStatement, type RoutineStore } from "../sql/routine-overloads.ts";
import type { SqlUnit } from "../sql/parse-migration.ts";
import { queryColumns } from "../sql/query-columns.ts";
import { type ColumnType, columnType, columnTypeText } from "../sql/type-name.ts";
import {
  ObjectNames,
  type ObjectNamesJson,
  type Origin,
  qualifiedName,
  tableMove,
  tableName,
  tableNameOfList,
  tableNameOfQualified,
} from "./object-names.ts";

/** A policy as the rules need it: as CREATE POLICY made it and every ALTER POLICY since left it. */
export interface PolicyInfo {
  name: string;
  /** `select`, `insert`, `update`, `delete` or `all` (ALTER POLICY cannot change it). */
  command: string;
  /** Role names, `public` for PUBLIC. */
  roles: string[];
  /** AS RESTRICTIVE: it only narrows what the permissive policies let through, and grants nothing. */
  restrictive?: boolean;
  /**
   * The text of the statement whose USING the policy has (a rule that judges the expression parses
   * it then: the replay keeps no trees); without USING, no existing row passes.
   */
  usingIn?: string;
  /** The text of the statement whose WITH CHECK the policy has; without one, new rows are checked with USING. */
  checkIn?: string;
  /** The CREATE POLICY that made it, or the ALTER POLICY that last changed it. */
  origin: Origin;
}

/** What a rename keeps of a column: its type, nullability and default. */
interface ColumnInfo {
  /** Unknown for a column computed by the query of a CREATE TABLE … AS. */
  type?: ColumnType;
  notNull: boolean;
  /** The default's (or identity/generation's) canonical form. */
  default?: string;
}

interface TableInfo {
  columns: Map<string, ColumnInfo>;
  rowLevelSecurity: boolean;
  policies: PolicyInfo[];
  /** The migration file whose CREATE TABLE made it (kept through renames). */
  createdIn: string;
  /** The last migration file that inserted rows into it (INSERT), if any. */
  filledIn?: string;
  /** Declared PARTITION BY: an index on it cannot be built CONCURRENTLY. */
  partitioned?: boolean;
}

/** A routine the history created, as its last `CREATE OR REPLACE` left it, under its last name. */
export interface HistoryRoutine extends EarlierRoutine {
  /** What its body runs that the review cannot read (`EXECUTE`…); empty for a body it reads. */
  opaque: string[];
}

/** The replayed schema as plain JSON, for the review cache (`SchemaState.fromJSON` reads it back). */
export interface SchemaStateJson {
  tables: [
    string,
    {
      columns: [string, ColumnInfo][];
      rowLevelSecurity: boolean;
      policies: PolicyInfo[];
      createdIn: string;
      filledIn?: string;
      partitioned?: boolean;
    },
  ][];
  names: ObjectNamesJson;
  /** By name, each name's overloads. */
  routines?: [string, HistoryRoutine[]][];
  /** The prepared queries: name, and the `PREPARE` statement's text. */
  prepared?: [string, string][];
  /** The names of the types and domains the history created (`SchemaState.createdTypeName`). */
  typeNames?: string[];
}

/**
 * The replayed schema. `clone()` before a migration to keep the state it started from. A clone
 * shares every table with its original (copy on write): whichever of the two changes a table
 * first copies it, so keeping the state each migration started from costs a copy of the table
 * list, not of the schema (a history of a thousand tables replays in linear time).
 */
export class SchemaState {
  private tables = new Map<string, TableInfo>();
  /** The tables this state may change in place; any other is shared with a clone and copied first. */
  private owned = new WeakSet<TableInfo>();
  /** Index and constraint names, with where each was first used. */
  private names = new ObjectNames();
  /**
   * The routines, by name: each name's overloads (an array replaced, never changed in place, so
   * `clone` copies the map alone).
   */
  private routines = new Map<string, readonly HistoryRoutine[]>();
  /** The session's prepared queries: name, and the `PREPARE` statement's text. */
  private prepared = new Map<string, string>();
  /** The names (without schema) of the types and domains the history created or renamed to, dropped ones too. */
  private typeNames = new Set<string>();

  /** An independent copy: changing either leaves the other as it was. */
  clone(): SchemaState {
    const copy = new SchemaState();
    copy.tables = new Map(this.tables);
    this.owned = new WeakSet();
    copy.names = this.names.clone();
    copy.routines = new Map(this.routines);
    copy.prepared = new Map(this.prepared);
    copy.typeNames = new Set(this.typeNames);
    return copy;
  }

  /** The state as plain JSON, in insertion order (which the rules' output order follows). */
  toJSON(): SchemaStateJson {
    return {
      tables: [...this.tables].map(([name, table]) => [
        name,
        {
          columns: [...table.columns],
          rowLevelSecurity: table.rowLevelSecurity,
          policies: table.policies,
          createdIn: table.createdIn,
          ...(table.filledIn === undefined ? {} : { filledIn: table.filledIn }),
          ...(table.partitioned ? { partitioned: true } : {}),
        },
      ]),
      names: this.names.toJSON(),
      ...(this.routines.size > 0
        ? { routines: [...this.routines].map(([name, overloads]) => [name, [...overloads]]) }
        : {}),
      ...(this.prepared.size > 0 ? { prepared: [...this.prepared] } : {}),
      ...(this.typeNames.size > 0 ? { typeNames: [...this.typeNames] } : {}),
    };
  }

  /** The state `toJSON` wrote. */
  static fromJSON(json: SchemaStateJson): SchemaState {
    const state = new SchemaState();
    for (const [name, table] of json.tables) {
      state.tables.set(name, { ...table, columns: new Map(table.columns) });
    }
    state.names = ObjectNames.fromJSON(json.names);
    state.routines = new Map(json.routines ?? []);
    state.prepared = new Map(json.prepared ?? []);
    state.typeNames = new Set(json.typeNames ?? []);
    return state;
  }

  /** The table to change in place: copied first when it is shared with a clone. */
  private mutableTable(name: string): TableInfo | undefined {
    const table = this.tables.get(name);
    if (!table || this.owned.has(table)) return table;
    const columns = new Map([...table.columns].map(([column, info]) => [column, { ...info }]));
    const copy = { ...table, columns, policies: [...table.policies] };
    this.owned.add(copy);
    this.tables.set(name, copy);
    return copy;
  }

  /**
   * Whether `other` holds this very table, unchanged: true only for a table neither state changed
   * since one was cloned from the other (a table changed in either one is a copy of its own).
   */
  sharesTable(other: SchemaState, name: string): boolean {
    const table = this.tables.get(name);
    return table !== undefined && table === other.tables.get(name);
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  /**
   * Whether the table is one the migration `file` found in place (created by an earlier migration,
   * under this name or renamed to it since): a table it may hold rows of and others may be using.
   * False for a table `file` created itself, even one it dropped and created again.
   */
  existedBefore(name: string, file: string): boolean {
    const table = this.tables.get(name);
    return table !== undefined && table.createdIn !== file;
  }

  /** Whether the table was declared PARTITION BY. */
  isPartitioned(name: string): boolean {
    return this.tables.get(name)?.partitioned === true;
  }

  /**
   * Whether the table may hold rows when the migration `file` reaches this point: one it found in
   * place, or one it created and inserted rows into (a table rebuilt under a copy's name).
   */
  mayHaveRows(name: string, file: string): boolean {
    return this.existedBefore(name, file) || this.tables.get(name)?.filledIn === file;
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  hasColumn(table: string, column: string): boolean {
    return this.tables.get(table)?.columns.has(column) ?? false;
  }

  /** The column's type (`varchar(255)`, `timestamptz`, `mood[]`), if the table and column are known. */
  columnType(table: string, column: string): ColumnType | undefined {
    return this.tables.get(table)?.columns.get(column)?.type;
  }

  /** Whether the column is known to be NOT NULL already. */
  isNotNull(table: string, column: string): boolean {
    return this.tables.get(table)?.columns.get(column)?.notNull ?? false;
  }

  /** The column's type, NOT NULL and default as one comparable text, if the table and column are known. */
  columnDefinition(table: string, column: string): string | undefined {
    const info = this.tables.get(table)?.columns.get(column);
    if (!info) return undefined;
    const type = info.type ? columnTypeText(info.type) : "(type unknown)";
    return [type, info.notNull ? "NOT NULL" : "", info.default ? `DEFAULT ${info.default}` : ""].join(" ").trim();
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

  /** The routine called `name` (any overload, in any schema) whose body runs SQL the review cannot read, if one exists here. */
  opaqueRoutine(name: string): HistoryRoutine | undefined {
    return this.routines.get(name)?.find((routine) => routine.opaque.length > 0);
  }

  /**
   * The routines at this point, by name (this state's own map: it changes as statements are
   * applied): what a later migration's calls run, parse-migration.ts's `earlierRoutines`.
   */
  routinesByName(): ReadonlyMap<string, readonly EarlierRoutine[]> {
    return this.routines;
  }

  /**
   * The queries prepared at this point and not deallocated, by name: the `PREPARE` statement's text
   * (this state's own map), what a later migration's `EXECUTE` runs: parse-migration.ts's `earlierPrepared`.
   */
  /**
   * Whether the history created a type or domain called `name` (in any schema, kept after a DROP:
   * the review does not follow `search_path`). Where a migration puts that schema before
   * `pg_catalog` in its `search_path`, a bare `::uuid` means that type, not PostgreSQL's.
   */
  createdTypeName(name: string): boolean {
    return this.typeNames.has(name);
  }

  preparedQueries(): ReadonlyMap<string, string> {
    return this.prepared;
  }

  /** The index and constraint names taken at this point. */
  objectNames(): ObjectNames {
    return this.names;
  }

  /** The routines as routine-overloads.ts changes them. */
  private readonly routineStore: RoutineStore<HistoryRoutine> = {
    overloads: (name) => this.routines.get(name) ?? [],
    replace: (name, overloads) => {
      if (overloads.length > 0) this.routines.set(name, overloads);
      else this.routines.delete(name);
    },
  };

  /** Applies one statement's effect on the schema. Statements it does not model change nothing. */
  apply(unit: SqlUnit, origin: Origin): void {
    const { node } = unit;
    const created = { text: unit.text, createdIn: origin.file, line: origin.position.line };
    if (applyRoutineStatement(this.routineStore, unit, (routine) => ({ ...routine, ...created }))) return;
    const move = tableMove(unit.type, node);
    if (move) return this.moveTable(move);
    switch (unit.type) {
      case "CreateStmt":
        return this.createTable(node, origin);
      case "AlterTableStmt":
        return this.alterTable(node, origin);
      case "IndexStmt":
        return this.names.addIndex(qualifiedName(objectField(node, "relation")), node, origin);
      case "CreatePolicyStmt": {
        const info = this.mutableTable(tableName(objectField(node, "table")));
        if (info) info.policies.push(policyOf(unit, origin));
        return;
      }
      case "AlterPolicyStmt":
        return this.alterPolicy(unit, origin);
      case "RenameStmt":
        return this.rename(node, origin);
      case "CreateTableAsStmt":
        if (stringField(node, "objtype") !== "OBJECT_TABLE") return;
        return this.createTableAs(objectField(node, "into"), nodeOf(node["query"], "SelectStmt"), origin);
      case "SelectStmt": {
        const into = selectInto(node);
        if (into) this.createTableAs(into, withoutInto(node), origin);
        return;
      }
      case "InsertStmt": {
        const info = this.mutableTable(tableName(objectField(node, "relation")));
        if (info) info.filledIn = origin.file;
        return;
      }
      case "DropStmt":
        return this.drop(node);
      case "PrepareStmt": {
        const name = stringField(node, "name");
        if (name !== undefined) this.prepared.set(name, unit.text);
        return;
      }
      case "CreateEnumStmt":
      case "CreateRangeStmt":
        return this.addTypeName(node["typeName"]);
      case "CreateDomainStmt":
        return this.addTypeName(node["domainname"]);
      case "DefineStmt":
        if (stringField(node, "kind") === "OBJECT_TYPE") this.addTypeName(node["defnames"]);
        return;
      case "CompositeTypeStmt": {
        const name = stringField(objectField(node, "typevar"), "relname");
        if (name !== undefined) this.typeNames.add(name);
        return;
      }
      case "DeallocateStmt": {
        const name = stringField(node, "name");
        if (name !== undefined) this.prepared.delete(name);
        else if (node["isall"] === true) this.prepared.clear();
        return;
      }
    }
  }

  /** Records the last part of a type's qualified name (`["app", "uuid"]`: `uuid`). */
  private addTypeName(names: unknown): void {
    const name = nameList(names).at(-1);
    if (name !== undefined) this.typeNames.add(name);
  }

  private createTable(node: AstObject, origin: Origin): void {
    const relation = objectField(node, "relation");
    const name = tableName(relation);
    if (!stringField(relation, "relname") || this.tables.has(name) || isTemporary(relation)) return;
    const qualified = qualifiedName(relation);
    const table: TableInfo = {
      columns: new Map(),
      rowLevelSecurity: false,
      policies: [],
      createdIn: origin.file,
      ...(objectField(node, "partspec") ? { partitioned: true } : {}),
    };
    this.owned.add(table);
    table.columns = this.copiedColumnInfo(node);
    for (const element of arrayField(node, "tableElts")) {
      const column = nodeOf(element, "ColumnDef");
      if (column) this.addColumn(qualified, table, column, origin);
      const constraint = nodeOf(element, "Constraint");
      if (constraint) this.addTableConstraint(qualified, table, constraint, origin);
    }
    this.tables.set(name, table);
  }

  /**
   * The columns a CREATE TABLE takes from other tables, as known at this point: a rule asks it
   * before the statement is applied. A partition (PARTITION OF) or child (INHERITS) has its
   * parents' columns, and `LIKE source` the source's, but none of them their row-level security or
   * policies (PostgreSQL has no INCLUDING for those): queried directly, the table needs its own.
   */
  copiedColumns(create: AstObject): string[] {
    return [...this.copiedColumnInfo(create).keys()];
  }

  /** {@link copiedColumns} with their types, NOT NULL, and defaults (LIKE: only INCLUDING DEFAULTS). */
  private copiedColumnInfo(create: AstObject): Map<string, ColumnInfo> {
    const columns = new Map<string, ColumnInfo>();
    for (const parent of arrayField(create, "inhRelations")) {
      for (const [column, info] of this.columnsOf(nodeOf(parent, "RangeVar"))) columns.set(column, { ...info });
    }
    for (const element of arrayField(create, "tableElts")) {
      const like = nodeOf(element, "TableLikeClause");
      if (!like) continue;
      const options = typeof like["options"] === "number" ? like["options"] : 0;
      for (const [column, info] of this.columnsOf(objectField(like, "relation"))) {
        const { default: _default, ...rest } = info;
        if (!columns.has(column)) columns.set(column, (options & LIKE_INCLUDING_DEFAULTS) !== 0 ? { ...info } : rest);
      }
    }
    return columns;
  }

  /** The columns of a table named in a statement (none when the replayed schema does not know it). */
  private columnsOf(relation: AstObject | undefined): ReadonlyMap<string, ColumnInfo> {
    return this.tables.get(tableName(relation))?.columns ?? new Map<string, ColumnInfo>();
  }

  /**
   * CREATE TABLE … AS or SELECT … INTO: a table with the query's columns (named by the INTO's
   * column list first), none NOT NULL, with the query's rows unless WITH NO DATA. Where the
   * columns cannot be read (a `*` over a view or a function), the table is taken to have every
   * column of every table the query reads: a copy of a tenant table's rows then counts as a tenant
   * table. Materialized views and temporary tables are not tables to the rules.
   */
  private createTableAs(into: AstObject | undefined, query: AstObject | undefined, origin: Origin): void {
    const relation = objectField(into, "rel");
    const name = tableName(relation);
    if (!stringField(relation, "relname") || this.tables.has(name) || isTemporary(relation)) return;
    const table: TableInfo = { columns: new Map(), rowLevelSecurity: false, policies: [], createdIn: origin.file };
    if (into?.["skipData"] !== true) table.filledIn = origin.file;
    const read = queryColumns(query, (source) => this.tables.get(tableName(source))?.columns);
    const names = nameList(into?.["colNames"]);
    if (read) {
      read.forEach(({ name: column, column: source }, i) => {
        const info: ColumnInfo = { notNull: false, ...(source?.type ? { type: source.type } : {}) };
        table.columns.set(names[i] ?? column, info);
      });
    } else {
      for (const { body } of findNodes(query, "RangeVar")) {
        for (const [column, info] of this.columnsOf(body))
          table.columns.set(column, { type: info.type, notNull: false });
      }
      for (const column of names) table.columns.set(column, { notNull: false });
    }
    this.owned.add(table);
    this.tables.set(name, table);
  }

  /** A table constraint; a primary key also makes its columns NOT NULL. */
  private addTableConstraint(
    qualified: string,
    table: TableInfo | undefined,
    constraint: AstObject,
    origin: Origin,
  ): void {
    this.names.addConstraint(qualified, constraint, origin);
    if (stringField(constraint, "contype") !== "CONSTR_PRIMARY") return;
    for (const key of nameList(constraint["keys"])) {
      const info = table?.columns.get(key);
      if (info) info.notNull = true;
    }
  }

  /** A column of CREATE TABLE or ADD COLUMN, with its type and its named constraints. */
  private addColumn(qualified: string, table: TableInfo | undefined, column: AstObject, origin: Origin): void {
    const name = stringField(column, "colname") ?? "";
    const info: ColumnInfo = { type: columnType(objectField(column, "typeName")), notNull: false };
    for (const item of arrayField(column, "constraints")) {
      const constraint = nodeOf(item, "Constraint");
      if (!constraint) continue;
      this.names.addConstraint(qualified, constraint, origin, name);
      const type = stringField(constraint, "contype");
      if (type === "CONSTR_NOTNULL" || type === "CONSTR_PRIMARY") info.notNull = true;
      else if (type === "CONSTR_DEFAULT") info.default = canonicalNode(constraint["raw_expr"]);
      else if (type === "CONSTR_IDENTITY" || type === "CONSTR_GENERATED") info.default = canonicalNode(constraint);
    }
    if (table && !table.columns.has(name)) table.columns.set(name, info);
  }

  private alterTable(node: AstObject, origin: Origin): void {
    const relation = objectField(node, "relation");
    const qualified = qualifiedName(relation);
    const table = this.mutableTable(tableName(relation));
    for (const item of arrayField(node, "cmds")) {
      const command = nodeOf(item, "AlterTableCmd");
      const subtype = stringField(command, "subtype");
      const name = stringField(command, "name") ?? "";
      const column = table?.columns.get(name);
      if (subtype === "AT_AddConstraint") {
        const constraint = nodeOf(command?.["def"], "Constraint");
        if (constraint) this.addTableConstraint(qualified, table, constraint, origin);
      } else if (subtype === "AT_DropConstraint") {
        this.names.dropConstraint(qualified, name);
      } else if (subtype === "AT_AddColumn") {
        const definition = nodeOf(command?.["def"], "ColumnDef");
        if (definition) this.addColumn(qualified, table, definition, origin);
      } else if (subtype === "AT_DropColumn") {
        this.names.dropColumn(qualified, name, stringField(command, "behavior") === "DROP_CASCADE");
        table?.columns.delete(name);
      } else if (subtype === "AT_AlterColumnType" && column) {
        column.type = columnType(objectField(nodeOf(command?.["def"], "ColumnDef"), "typeName"));
      } else if ((subtype === "AT_SetNotNull" || subtype === "AT_DropNotNull") && column) {
        column.notNull = subtype === "AT_SetNotNull";
      } else if (subtype === "AT_ColumnDefault" && column) {
        column.default = command?.["def"] === undefined ? undefined : canonicalNode(command["def"]);
      }
      if (!table) continue;
      // FORCE applies the policies to the owner too, but only once ENABLE has switched them on.
      if (subtype === "AT_EnableRowSecurity") {
        table.rowLevelSecurity = true;
      } else if (subtype === "AT_DisableRowSecurity") {
        table.rowLevelSecurity = false;
      }
    }
  }

  private rename(node: AstObject, origin: Origin): void {
    const type = stringField(node, "renameType");
    const relation = objectField(node, "relation");
    const table = tableName(relation);
    const qualified = qualifiedName(relation);
    const newName = stringField(node, "newname") ?? "";
    const oldName = stringField(node, "subname") ?? "";
    if (type === "OBJECT_COLUMN") {
      this.names.renameColumn(qualified, oldName, newName);
      const info = this.mutableTable(table);
      const column = info?.columns.get(oldName);
      if (!info || !column) return;
      info.columns.delete(oldName);
      info.columns.set(newName, column);
    } else if (type === "OBJECT_INDEX") {
      this.names.renameIndex(relation, newName);
    } else if (type === "OBJECT_TABCONSTRAINT") {
      this.names.renameConstraint(qualified, oldName, newName);
    } else if (type === "OBJECT_POLICY") {
      this.changePolicy(table, oldName, (policy) => ({ ...policy, name: newName, origin }));
    } else if (type === "OBJECT_TYPE" || type === "OBJECT_DOMAIN") {
      this.typeNames.add(newName);
    }
  }

  /**
   * ALTER POLICY: the roles, USING and WITH CHECK it gives replace the policy's; what it leaves out
   * stays (PostgreSQL 15 keeps them). It cannot change the command or AS RESTRICTIVE.
   */
  private alterPolicy(unit: SqlUnit, origin: Origin): void {
    const { node } = unit;
    const roles = arrayField(node, "roles");
    this.changePolicy(tableName(objectField(node, "table")), stringField(node, "policy_name") ?? "", (policy) => ({
      ...policy,
      ...(roles.length > 0 ? { roles: roleNames(roles) } : {}),
      ...(node["qual"] === undefined ? {} : { usingIn: unit.text }),
      ...(node["with_check"] === undefined ? {} : { checkIn: unit.text }),
      origin,
    }));
  }

  /** Replaces the table's policy of that name with what `change` makes of it (a new object: clones share the old). */
  private changePolicy(table: string, name: string, change: (policy: PolicyInfo) => PolicyInfo): void {
    const info = this.mutableTable(table);
    if (!info) return;
    info.policies = info.policies.map((policy) => (policy.name === name ? change(policy) : policy));
  }

  /** ALTER TABLE … RENAME TO or SET SCHEMA: the table (and its index names) under its new name from now on. */
  private moveTable({ from, to }: { from: string; to: string }): void {
    this.names.renameTable(from, to);
    const info = this.tables.get(tableNameOfQualified(from));
    if (!info) return;
    this.tables.delete(tableNameOfQualified(from));
    this.tables.set(tableNameOfQualified(to), info);
  }

  private drop(node: AstObject): void {
    const type = stringField(node, "removeType");
    for (const object of arrayField(node, "objects")) {
      const names = objectNameList(object);
      const name = names.at(-1) ?? "";
      if (type === "OBJECT_TABLE") {
        this.tables.delete(tableNameOfList(names));
        this.names.dropTable(names);
      } else if (type === "OBJECT_INDEX") this.names.dropIndex(names);
      else if (type === "OBJECT_POLICY") {
        const table = this.mutableTable(tableNameOfList(names.slice(0, -1)));
        if (table) table.policies = table.policies.filter((policy) => policy.name !== name);
      }
    }
  }
}

/** `CREATE TABLE … (LIKE t INCLUDING DEFAULTS)`: PostgreSQL's CREATE_TABLE_LIKE_DEFAULTS bit of the clause's options. */
const LIKE_INCLUDING_DEFAULTS = 1 << 3;

/** A `CREATE POLICY` statement's policy. */
function policyOf(unit: SqlUnit, origin: Origin): PolicyInfo {
  const { node } = unit;
  return {
    name: stringField(node, "policy_name") ?? "",
    command: stringField(node, "cmd_name") ?? "all",
    roles: roleNames(arrayField(node, "roles")),
    // libpg-query leaves out a false field: AS RESTRICTIVE has no `permissive`.
    ...(node["permissive"] === true ? {} : { restrictive: true }),
    ...(node["qual"] === undefined ? {} : { usingIn: unit.text }),
    ...(node["with_check"] === undefined ? {} : { checkIn: unit.text }),
    origin,
  };
}

/** A policy's `TO` list: role names, `public` for PUBLIC (CURRENT_USER and the like as they are written). */
function roleNames(roles: unknown[]): string[] {
  return roles.map((role) => {
    const spec = nodeOf(role, "RoleSpec");
    const type = stringField(spec, "roletype");
    if (type === "ROLESPEC_PUBLIC") return "public";
    return stringField(spec, "rolename") ?? (type ?? "").replace("ROLESPEC_", "").toLowerCase();
  });
}

/** The INTO of SELECT … INTO t (PostgreSQL's CREATE TABLE t AS SELECT …), in the first branch of a set operation. */
export function selectInto(select: AstObject): AstObject | undefined {
  let first: AstObject | undefined = select;
  while (objectField(first, "larg")) first = objectField(first, "larg");
  return objectField(first, "intoClause");
}

/** A SELECT … INTO's query without its INTO (the INTO names the table it makes, not one it reads). */
function withoutInto(select: AstObject): AstObject {
  const { intoClause: _into, ...query } = select;
  const larg = objectField(select, "larg");
  return larg ? { ...query, larg: withoutInto(larg) } : query;
}

/**
 * Whether a `CREATE TABLE` or `… INTO` names a temporary table (`TEMP`): it goes with the
 * migration's session, so it is no table of the schema (no tenant's rows are left in it).
 */
function isTemporary(relation: AstObject | undefined): boolean {
  return stringField(relation, "relpersistence") === "t";
}
