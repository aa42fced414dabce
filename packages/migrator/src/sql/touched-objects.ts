/**
 * The objects a migration's SQL touches, read with PostgreSQL's parser: what each statement
 * creates, alters or drops (`changed`) and what it only relies on (`used`: the columns a foreign
 * key or index names, the types of new columns, the tables a view or an UPDATE reads). Labels are
 * the ones the snapshot reader gives (`table "t"`, `column "t"."c"`, `index "i" on "t"` …), so
 * both answers can be compared. It reads every statement, generated or hand-written, in either
 * Drizzle Kit layout; a statement it cannot read is listed, never guessed.
 */
import { TouchedObjects } from "../snapshot/snapshot-objects.ts";
import {
  arrayField,
  type AstObject,
  columnRefNames,
  constantText,
  findNodes,
  isObject,
  nameList,
  nodeOf,
  objectField,
  objectNameList,
  stringField,
  unwrap,
} from "./ast.ts";
import { routineLanguage } from "./opaque-routines.ts";
import { plpgsqlBody } from "./plpgsql-body.ts";
import type { ParsedMigration, SqlUnit } from "./parse-migration.ts";
import { pgQuery } from "./pg-query.ts";
import { errorMessage } from "../errors/error-message.ts";

/** A statement whose objects the reader could not tell, with why. */
export interface UnreadStatement {
  file: string;
  line: number;
  reason: string;
}

/** What a migration's SQL touches. */
export interface SqlTouches {
  touched: TouchedObjects;
  unread: UnreadStatement[];
  /**
   * With `dependents`: routine bodies read only in part (`reason`), with their text, so whoever
   * checks what they use can look for a name in it.
   */
  partlyRead: (UnreadStatement & { text: string })[];
}

/** `"t"` in `public` (or unqualified), `"s"."t"` elsewhere: the snapshot reader's form. */
function qualified(schema: string | undefined, name: string): string {
  return schema && schema !== "public" ? `"${schema}"."${name}"` : `"${name}"`;
}

/** A name list (`["s", "t"]` or `["t"]`) in the qualified form. */
function listName(names: string[]): string {
  return qualified(names.length > 1 ? names.at(-2) : undefined, names.at(-1) ?? "");
}

function rangeVarName(rangeVar: AstObject | undefined): string | undefined {
  const name = stringField(rangeVar, "relname");
  return name === undefined ? undefined : qualified(stringField(rangeVar, "schemaname"), name);
}

/** Functions of a sequence that name it in a string: `nextval('s')`. */
const SEQUENCE_FUNCTIONS: ReadonlySet<string> = new Set(["nextval", "currval", "setval", "pg_sequence_last_value"]);

/**
 * Functions whose first parameter is a `regclass`, so a string passed to them names a relation
 * that PostgreSQL resolves once and keeps (`pg_total_relation_size('t')` in a view depends on `t`).
 */
const REGCLASS_FUNCTIONS: ReadonlySet<string> = new Set([
  ...SEQUENCE_FUNCTIONS,
  "pg_relation_size",
  "pg_total_relation_size",
  "pg_table_size",
  "pg_indexes_size",
  "pg_relation_filenode",
  "pg_relation_filepath",
]);

/** A relation name as `regclass` reads it from a string (`s.t`, `"T"`), in the qualified form; undefined when it is no plain name. */
function relationInString(text: string): string | undefined {
  const parts = [...text.matchAll(/\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*))\s*(\.|$)/g)];
  if (parts.length === 0 || parts.length > 2 || parts.map((p) => p[0]).join("") !== text) return undefined;
  const names = parts.map((p) => (p[1] !== undefined ? p[1].replaceAll('""', '"') : (p[2] ?? "").toLowerCase()));
  return listName(names);
}

/**
 * The schema a routine's unqualified names are found in when it sets its own `search_path`
 * (`SET search_path = app, public`): the first one that is no placeholder; undefined when it sets none.
 */
function routineSchema(node: AstObject): string | undefined {
  for (const item of arrayField(node, "options")) {
    const option = nodeOf(item, "DefElem");
    const set = nodeOf(option?.["arg"], "VariableSetStmt");
    if (stringField(option, "defname") !== "set" || stringField(set, "name") !== "search_path") continue;
    return arrayField(set, "args")
      .map(constantText)
      .find((name) => name !== undefined && !["$user", "pg_catalog", "pg_temp"].includes(name));
  }
  return undefined;
}

/** A type name (`names`) placed in `schema` when it names no schema. */
function typeInSchema(typeName: AstObject, schema: string): void {
  const names = arrayField(typeName, "names");
  if (names.length === 1 && typeName["pct_type"] !== true) typeName["names"] = [{ String: { sval: schema } }, ...names];
}

/** A copy of a statement with its unqualified relations and types placed in `schema` (none: the statement itself). */
function qualifiedIn(node: AstObject, schema: string | undefined): AstObject {
  if (!schema) return node;
  const copy = structuredClone(node);
  for (const { body } of findNodes(copy, "RangeVar"))
    if (stringField(body, "schemaname") === undefined) body["schemaname"] = schema;
  for (const { body } of findNodes(copy, "TypeName")) typeInSchema(body, schema);
  return copy;
}

/** A copy of a type name placed in `schema` when it names none (no schema: the type name itself). */
function typeQualifiedIn(typeName: AstObject, schema: string | undefined): AstObject {
  if (!schema) return typeName;
  const copy = structuredClone(typeName);
  typeInSchema(copy, schema);
  return copy;
}

/** Index names are unique per schema: the table of each index the history creates, by qualified name. */
export type IndexTables = ReadonlyMap<string, string>;

/** The table of every index the migrations create (`CREATE INDEX`), for naming dropped or renamed ones. */
export function indexTables(migrations: readonly ParsedMigration[]): Map<string, string> {
  const tables = new Map<string, string>();
  for (const migration of migrations) {
    for (const unit of migration.statements.flatMap((s) => s.units)) {
      const index = stringField(unit.node, "idxname");
      const relation = objectField(unit.node, "relation");
      const table = rangeVarName(relation);
      if (unit.type === "IndexStmt" && index && table)
        tables.set(qualified(stringField(relation, "schemaname"), index), table);
    }
  }
  return tables;
}

/** Wrapped statement nodes (`{ SelectStmt: … }`) as the reader takes them. */
function statementsOf(nodes: unknown[]): { type: string; node: AstObject }[] {
  return nodes.flatMap((item) => {
    const statement = unwrap(item);
    return statement ? [{ type: statement.type, node: statement.body }] : [];
  });
}

/** The body string of a `CREATE FUNCTION … AS '…'` (`AS 'obj', 'symbol'` for C gives two). */
function routineBodyText(node: AstObject): string | undefined {
  const option = arrayField(node, "options")
    .map((item) => nodeOf(item, "DefElem"))
    .find((item) => stringField(item, "defname") === "as");
  return nameList(nodeOf(option?.["arg"], "List")?.["items"])[0];
}

/** Collects labels for one statement. */
class Reader {
  /** Why the last statement read was not read, when it is more than its kind (set by {@link unit}). */
  reason: string | undefined;
  /** Routine bodies read only in part, with why (see {@link SqlTouches.partlyRead}). */
  readonly partlyRead: { reason: string; text: string }[] = [];

  constructor(
    readonly touched: TouchedObjects,
    readonly indexes: IndexTables,
    /** Whether to read what only matters to whether an object may go (see {@link sqlTouches}). */
    readonly dependents = false,
  ) {}

  table(name: string): string {
    return `table ${name}`;
  }

  column(table: string, column: string, how: "changed" | "used" = "changed"): void {
    const label = `column ${table}."${column}"`;
    if (how === "changed") this.touched.add(label, this.table(table));
    else this.touched.use(label, this.table(table));
  }

  onTable(what: string, table: string): void {
    this.touched.add(`${what} on ${table}`, this.table(table));
  }

  index(name: string, table?: string): void {
    const on = table ?? this.indexes.get(name);
    if (on) this.touched.add(`index ${name} on ${on}`, this.table(on));
    else this.touched.add(`index ${name}`);
  }

  /** The tables a query or expression reads (every `RangeVar` below it), as used. */
  readsTables(node: unknown): void {
    for (const { body } of findNodes(node, "RangeVar")) {
      const name = rangeVarName(body);
      if (!name) continue;
      this.touched.use(this.table(name));
      // What a query reads from may be a view (the snapshot labels those `view "v"`).
      this.touched.use(`view ${name}`);
    }
  }

  /**
   * A type a column, parameter or result has, as used. A table's row type has the table's name (a
   * table and a type cannot share one in a schema), so a type is also labelled as that table:
   * `DROP TABLE … CASCADE` drops the columns and functions of its row type. `t.c%TYPE` names a column.
   */
  usesType(typeName: AstObject | undefined): void {
    const names = nameList(typeName?.["names"]);
    // Builtin types PostgreSQL's parser qualifies with `pg_catalog` are no schema object of ours.
    if (names.length === 0 || names[0] === "pg_catalog") return;
    if (typeName?.["pct_type"] === true) {
      if (names.length > 1) this.column(listName(names.slice(0, -1)), names.at(-1) ?? "", "used");
      return;
    }
    this.touched.use(`type ${listName(names)}`);
    this.touched.use(this.table(listName(names)));
  }

  /**
   * Statements that are not run here but kept to run later (a function's body, a rule's actions):
   * everything they would touch, as used. False, with {@link reason} set, when one is not read.
   */
  usesStatements(statements: { type: string; node: AstObject }[], what: string): boolean {
    const inner = this.innerReader();
    for (const statement of statements) {
      if (!inner.unit(statement)) {
        this.reason = `${inner.reason ?? `${statement.type} statements are not read`} in ${what}`;
        return false;
      }
    }
    this.usesWhatItTouched(inner);
    return true;
  }

  /** A reader of statements kept to run later, reading as this one does. */
  private innerReader(): Reader {
    return new Reader(new TouchedObjects(), this.indexes, this.dependents);
  }

  /** Everything `inner` found touched, as used here. */
  private usesWhatItTouched(inner: Reader): void {
    for (const [label, parent] of [...inner.touched.changed, ...inner.touched.used]) this.touched.use(label, parent);
  }

  /**
   * A `CREATE FUNCTION`/`PROCEDURE`: its name, its parameter and result types, and what its SQL
   * body uses: a `BEGIN ATOMIC` body (parsed with the statement; PostgreSQL records what it
   * uses), a `LANGUAGE sql` body string, parsed here, or a PL/pgSQL body, read from the
   * statement's text (`createText`) by plpgsql-body.ts. A body that does not parse, or PL/pgSQL
   * that runs SQL from a string, is not read.
   */
  routine(node: AstObject, createText?: string): boolean {
    this.touched.add(`function ${listName(nameList(node["funcname"]))}`);
    const schema = routineSchema(node);
    const inSchema = (statements: { type: string; node: AstObject }[]) =>
      statements.map((statement) => ({ ...statement, node: qualifiedIn(statement.node, schema) }));
    for (const item of arrayField(node, "parameters"))
      this.usesType(objectField(nodeOf(item, "FunctionParameter"), "argType"));
    this.usesType(objectField(node, "returnType"));
    const atomic = node["sql_body"];
    if (atomic !== undefined) {
      // BEGIN ATOMIC … END is a list holding the list of its statements; RETURN … is one statement.
      const list = nodeOf(atomic, "List");
      const statements = list
        ? arrayField(list, "items").flatMap((item) => arrayField(nodeOf(item, "List"), "items"))
        : [atomic];
      return this.usesStatements(inSchema(statementsOf(statements)), "its BEGIN ATOMIC body");
    }
    const language = routineLanguage(node);
    if (language === "plpgsql") {
      // Created, not run: what the body uses matters only to whether it may go on existing, and
      // what of it cannot be read (EXECUTE, a statement of a kind not read) is passed over.
      if (this.dependents && createText !== undefined) {
        const inner = this.innerReader();
        const body = plpgsqlBody(createText);
        if (body.unread) this.partlyRead.push({ reason: body.unread, text: createText });
        for (const statement of inSchema(body.statements)) inner.unit(statement);
        for (const type of body.types) inner.usesType(typeQualifiedIn(type, schema));
        for (const names of body.columns)
          if (names.length > 1) inner.column(listName(names.slice(0, -1)), names.at(-1) ?? "", "used");
        this.usesWhatItTouched(inner);
      }
      return true;
    }
    const text = routineBodyText(node);
    if (language !== "sql" || text === undefined) return true;
    let parsed: unknown;
    try {
      parsed = pgQuery().parseSync(text);
    } catch (error) {
      this.reason = `PostgreSQL's parser rejects its SQL body (${errorMessage(error)})`;
      return false;
    }
    const raw = arrayField(isObject(parsed) ? parsed : undefined, "stmts").map((s) =>
      isObject(s) ? s["stmt"] : undefined,
    );
    return this.usesStatements(inSchema(statementsOf(raw)), "its SQL body");
  }

  /** The unqualified columns an expression on `table` names, as used. */
  readsColumns(table: string, node: unknown): void {
    for (const column of columnRefNames(node)) this.column(table, column, "used");
  }

  /** A column definition: the column, its type, and what its inline constraints reference. */
  columnDef(table: string, def: AstObject | undefined): void {
    const name = stringField(def, "colname");
    if (!name) return;
    this.column(table, name);
    this.usesType(objectField(def, "typeName"));
    for (const constraint of arrayField(def, "constraints")) this.constraint(table, nodeOf(constraint, "Constraint"));
  }

  /** A constraint: its name, the columns it is on, and what a foreign key references. */
  constraint(table: string, constraint: AstObject | undefined): void {
    if (!constraint) return;
    const name = stringField(constraint, "conname");
    if (name) this.onTable(`constraint "${name}"`, table);
    for (const key of ["keys", "fk_attrs", "including"]) {
      for (const column of nameList(constraint[key])) this.column(table, column, "used");
    }
    if (constraint["raw_expr"]) this.readsColumns(table, constraint["raw_expr"]);
    const target = rangeVarName(objectField(constraint, "pktable"));
    if (target) {
      const columns = nameList(constraint["pk_attrs"]);
      if (columns.length === 0) this.touched.use(this.table(target));
      for (const column of columns) this.column(target, column, "used");
    }
  }

  alterTable(table: string, command: AstObject | undefined): boolean {
    const subtype = stringField(command, "subtype") ?? "";
    const name = stringField(command, "name");
    const def = command?.["def"];
    switch (subtype) {
      case "AT_AddColumn":
        this.columnDef(table, nodeOf(def, "ColumnDef"));
        return true;
      case "AT_AddConstraint":
        this.constraint(table, nodeOf(def, "Constraint"));
        return true;
      case "AT_DropConstraint":
      case "AT_ValidateConstraint":
      case "AT_AlterConstraint":
        this.onTable(`constraint "${name ?? stringField(nodeOf(def, "Constraint"), "conname") ?? ""}"`, table);
        return true;
      case "AT_EnableRowSecurity":
      case "AT_DisableRowSecurity":
      case "AT_ForceRowSecurity":
      case "AT_NoForceRowSecurity":
        this.onTable("row-level security", table);
        return true;
      case "AT_ChangeOwner":
        this.touched.add(`owner of ${table}`, this.table(table));
        return true;
      case "AT_EnableTrig":
      case "AT_DisableTrig":
      case "AT_EnableAlwaysTrig":
      case "AT_EnableReplicaTrig":
        this.onTable(`trigger "${name ?? ""}"`, table);
        return true;
      default:
        if (!name) return false;
        // Every other command with a name is on a column: type, default, NOT NULL, identity, statistics …
        this.column(table, name);
        if (subtype === "AT_AlterColumnType") this.usesType(objectField(nodeOf(def, "ColumnDef"), "typeName"));
        return true;
    }
  }

  /** Records one parsed statement; false when it is of a kind this reader does not know, or (with {@link reason}) cannot read. */
  unit(unit: Pick<SqlUnit, "type" | "node"> & { text?: string }): boolean {
    this.reason = undefined;
    if (!this.statement(unit)) return false;
    if (this.dependents) this.namedInStrings(unit.node);
    return true;
  }

  /**
   * Relations an expression names in a string, which PostgreSQL resolves and keeps by oid (or, for
   * `'s'::text`, looks up when it runs): `nextval('s')`, `currval('s')`, `setval('s', …)` use
   * sequence `s` (a serial column's `t_c_seq` goes with its table), a size function's string its
   * relation, and `'t'::regclass` table or sequence `t`.
   */
  namedInStrings(node: unknown): void {
    // 'x'::text (a late-bound nextval) names the relation as surely as 'x' does.
    const named = (value: unknown): string | undefined => {
      const text = constantText(value);
      return text === undefined ? undefined : relationInString(text);
    };
    for (const { body } of findNodes(node, "FuncCall")) {
      const name = nameList(body["funcname"]).at(-1) ?? "";
      const relation = REGCLASS_FUNCTIONS.has(name) ? named(arrayField(body, "args")[0]) : undefined;
      if (!relation) continue;
      this.touched.use(`sequence ${relation}`);
      if (!SEQUENCE_FUNCTIONS.has(name)) this.touched.use(this.table(relation));
    }
    for (const { body } of findNodes(node, "TypeCast")) {
      if (nameList(objectField(body, "typeName")?.["names"]).at(-1) !== "regclass") continue;
      const relation = named(body["arg"]);
      if (!relation) continue;
      this.touched.use(this.table(relation));
      this.touched.use(`sequence ${relation}`);
    }
  }

  /** Records one statement by its kind; see {@link unit}. */
  statement(unit: Pick<SqlUnit, "type" | "node"> & { text?: string }): boolean {
    const { node } = unit;
    const relation = objectField(node, "relation");
    const table = rangeVarName(relation) ?? "";
    switch (unit.type) {
      case "CreateStmt":
        this.touched.add(this.table(table));
        for (const element of arrayField(node, "tableElts")) {
          this.columnDef(table, nodeOf(element, "ColumnDef"));
          this.constraint(table, nodeOf(element, "Constraint"));
        }
        for (const parent of arrayField(node, "inhRelations")) this.readsTables(parent);
        return true;
      case "AlterTableStmt":
        for (const item of arrayField(node, "cmds")) {
          // A command this reader does not name (options, partitions …): the whole table, so anything on it overlaps.
          if (!this.alterTable(table, nodeOf(item, "AlterTableCmd"))) this.touched.add(this.table(table));
        }
        return true;
      case "IndexStmt": {
        const name = stringField(node, "idxname");
        const index = name
          ? qualified(stringField(relation, "schemaname"), name)
          : `(unnamed) on ${table} (${arrayField(node, "indexParams")
              .map((p) => stringField(nodeOf(p, "IndexElem"), "name") ?? "expression")
              .join(", ")})`;
        this.index(index, table);
        for (const param of arrayField(node, "indexParams")) {
          const element = nodeOf(param, "IndexElem");
          const column = stringField(element, "name");
          if (column) this.column(table, column, "used");
          if (element?.["expr"]) this.readsColumns(table, element["expr"]);
        }
        if (node["whereClause"]) this.readsColumns(table, node["whereClause"]);
        return true;
      }
      case "CreatePolicyStmt":
      case "AlterPolicyStmt": {
        const on = rangeVarName(objectField(node, "table")) ?? "";
        this.onTable(`policy "${stringField(node, "policy_name") ?? ""}"`, on);
        for (const role of arrayField(node, "roles")) {
          const name = stringField(nodeOf(role, "RoleSpec"), "rolename");
          if (name) this.touched.use(`role "${name}"`);
        }
        for (const clause of ["qual", "with_check"]) if (node[clause]) this.readsColumns(on, node[clause]);
        this.readsTables([node["qual"], node["with_check"]]);
        return true;
      }
      case "RenameStmt":
        return this.rename(node);
      case "DropStmt":
        return this.drop(node);
      case "CreateEnumStmt":
      case "AlterEnumStmt":
        this.touched.add(`type ${listName(nameList(node["typeName"]))}`);
        return true;
      case "CreateDomainStmt":
        this.touched.add(`type ${listName(nameList(node["domainname"]))}`);
        this.usesType(objectField(node, "typeName"));
        return true;
      case "CompositeTypeStmt":
        this.touched.add(`type ${rangeVarName(objectField(node, "typevar")) ?? ""}`);
        for (const def of arrayField(node, "coldeflist"))
          this.usesType(objectField(nodeOf(def, "ColumnDef"), "typeName"));
        return true;
      case "CreateSeqStmt":
      case "AlterSeqStmt": {
        this.touched.add(`sequence ${rangeVarName(objectField(node, "sequence")) ?? ""}`);
        // OWNED BY t.c: the sequence goes when the column does.
        const ownedBy = arrayField(node, "options")
          .map((item) => nodeOf(item, "DefElem"))
          .find((option) => stringField(option, "defname") === "owned_by");
        const owner = nameList(nodeOf(ownedBy?.["arg"], "List")?.["items"]);
        if (owner.length > 1) this.column(listName(owner.slice(0, -1)), owner.at(-1) ?? "", "used");
        return true;
      }
      case "ViewStmt":
        this.touched.add(`view ${rangeVarName(objectField(node, "view")) ?? ""}`);
        this.readsTables(node["query"]);
        return true;
      case "CreateTableAsStmt":
        this.touched.add(`view ${rangeVarName(objectField(objectField(node, "into"), "rel")) ?? ""}`);
        this.readsTables(node["query"]);
        return true;
      case "CreateSchemaStmt":
        this.touched.add(`schema "${stringField(node, "schemaname") ?? ""}"`);
        return true;
      case "CreateRoleStmt":
      case "AlterRoleStmt":
        this.touched.add(
          `role "${stringField(node, "role") ?? stringField(objectField(node, "role"), "rolename") ?? ""}"`,
        );
        return true;
      case "DropRoleStmt":
        for (const role of arrayField(node, "roles"))
          this.touched.add(`role "${stringField(nodeOf(role, "RoleSpec"), "rolename") ?? ""}"`);
        return true;
      case "GrantRoleStmt":
        for (const role of arrayField(node, "granted_roles"))
          this.touched.add(`role "${stringField(nodeOf(role, "AccessPriv"), "priv_name") ?? ""}"`);
        return true;
      case "CreateExtensionStmt":
      case "AlterExtensionStmt":
        this.touched.add(`extension "${stringField(node, "extname") ?? ""}"`);
        return true;
      case "CreateFunctionStmt":
        return this.routine(node, unit.text);
      case "RuleStmt": {
        // A rule is kept on its table and runs its actions later: what they touch is only used.
        this.onTable(`rule "${stringField(node, "rulename") ?? ""}"`, table);
        this.readsTables(node["whereClause"]);
        return this.usesStatements(statementsOf(arrayField(node, "actions")), "its actions");
      }
      case "CreateStatsStmt": {
        const on = rangeVarName(nodeOf(arrayField(node, "relations")[0], "RangeVar")) ?? "";
        const names = nameList(node["defnames"]);
        this.onTable(`statistics ${names.length ? listName(names) : "(unnamed)"}`, on);
        for (const item of arrayField(node, "exprs")) {
          const element = nodeOf(item, "StatsElem");
          const column = stringField(element, "name");
          if (column) this.column(on, column, "used");
          if (element?.["expr"]) this.readsColumns(on, element["expr"]);
        }
        return true;
      }
      case "CreateTrigStmt":
        this.onTable(`trigger "${stringField(node, "trigname") ?? ""}"`, table);
        this.touched.use(`function ${listName(nameList(node["funcname"]))}`);
        return true;
      case "GrantStmt":
        // Privileges on anything but named tables (a schema, a sequence, a routine, ALL TABLES IN
        // SCHEMA) make no object another statement depends on; they go with what they are on.
        if (this.dependents && stringField(node, "objtype") === "OBJECT_SEQUENCE") {
          for (const object of arrayField(node, "objects")) {
            const name = rangeVarName(nodeOf(object, "RangeVar"));
            if (name) this.touched.use(`sequence ${name}`);
          }
        }
        if (stringField(node, "objtype") !== "OBJECT_TABLE" || stringField(node, "targtype") !== "ACL_TARGET_OBJECT")
          return true;
        for (const object of arrayField(node, "objects")) {
          const name = rangeVarName(nodeOf(object, "RangeVar"));
          if (name) this.onTable("privileges", name);
        }
        return true;
      case "CommentStmt": {
        const object = node["object"];
        // A list (`t.c`, `t` and a constraint), a routine with its arguments, a type, or one name.
        const routine = nodeOf(object, "ObjectWithArgs");
        const names = routine
          ? nameList(routine["objname"])
          : nodeOf(object, "TypeName")
            ? nameList(nodeOf(object, "TypeName")?.["names"])
            : objectNameList(object);
        const argumentType = (item: unknown) => nameList(nodeOf(item, "TypeName")?.["names"]).join(".");
        const arguments_ = routine ? `(${arrayField(routine, "objargs").map(argumentType).join(", ")})` : "";
        const name = names.length
          ? `${listName(names)}${arguments_}`
          : `"${stringField(nodeOf(object, "String"), "sval") ?? "?"}"`;
        const kind = (stringField(node, "objtype") ?? "").replace(/^OBJECT_/, "").toLowerCase();
        this.touched.add(`comment on ${kind} ${name}`);
        // The comment goes when its object does: a comment on a column, a table or a part of one uses it.
        if (!this.dependents) return true;
        const parent = names.length > 1 ? listName(names.slice(0, -1)) : undefined;
        if (kind === "column" && parent) this.column(parent, names.at(-1) ?? "", "used");
        if (["table", "view", "matview", "foreign_table"].includes(kind)) this.touched.use(this.table(name));
        if (kind === "sequence") this.touched.use(`sequence ${name}`);
        if (kind === "index") {
          const on = this.indexes.get(name);
          if (on) this.touched.use(`index ${name} on ${on}`, this.table(on));
          else this.touched.use(`index ${name}`);
        }
        if (["tabconstraint", "trigger", "policy"].includes(kind) && parent) this.touched.use(this.table(parent));
        return true;
      }
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
      case "MergeStmt":
        // Data changes run against the table as it is then: any change of its shape is ordered with them.
        this.touched.add(`rows of ${table}`, this.table(table));
        this.touched.use(this.table(table));
        this.readsTables(node);
        return true;
      case "TruncateStmt":
        for (const item of arrayField(node, "relations")) {
          const name = rangeVarName(nodeOf(item, "RangeVar"));
          if (name) this.touched.add(`rows of ${name}`, this.table(name));
        }
        return true;
      case "SelectStmt":
      case "ReturnStmt":
        this.readsTables(node);
        return true;
      case "LockStmt":
        // A lock makes nothing and lasts the transaction; a routine that takes one fails once its table is gone.
        if (this.dependents)
          for (const item of arrayField(node, "relations")) {
            const name = rangeVarName(nodeOf(item, "RangeVar"));
            if (name) this.touched.use(this.table(name));
          }
        return true;
      case "RefreshMatViewStmt":
        this.touched.use(this.table(rangeVarName(objectField(node, "relation")) ?? ""));
        return true;
      // Statements that make nothing another depends on, and change no table's shape: default
      // privileges, a routine's settings or owner, an owner, statistics gathering.
      case "AlterDefaultPrivilegesStmt":
      case "AlterFunctionStmt":
      case "AlterOwnerStmt":
      case "VacuumStmt":
      case "VariableSetStmt":
      case "NotifyStmt":
      case "TransactionStmt":
      case "DoStmt":
        return true;
      default:
        return false;
    }
  }

  rename(node: AstObject): boolean {
    const relation = objectField(node, "relation");
    const table = rangeVarName(relation) ?? "";
    const schema = stringField(relation, "schemaname");
    const from = stringField(node, "subname") ?? "";
    const to = stringField(node, "newname") ?? "";
    const objectNames = nameList(nodeOf(node["object"], "List")?.["items"]);
    switch (stringField(node, "renameType")) {
      case "OBJECT_TABLE":
        this.touched.add(this.table(table));
        this.touched.add(this.table(qualified(schema, to)));
        return true;
      case "OBJECT_COLUMN":
        this.column(table, from);
        this.column(table, to);
        return true;
      case "OBJECT_TABCONSTRAINT":
        this.onTable(`constraint "${from}"`, table);
        this.onTable(`constraint "${to}"`, table);
        return true;
      case "OBJECT_INDEX": {
        const on = this.indexes.get(table);
        this.index(table, on);
        this.index(qualified(schema, to), on);
        return true;
      }
      case "OBJECT_POLICY":
        this.onTable(`policy "${from}"`, table);
        this.onTable(`policy "${to}"`, table);
        return true;
      case "OBJECT_TYPE":
      case "OBJECT_DOMAIN":
        this.touched.add(`type ${listName(objectNames)}`);
        this.touched.add(`type ${listName([...objectNames.slice(0, -1), to])}`);
        return true;
      case "OBJECT_VIEW":
      case "OBJECT_MATVIEW":
        this.touched.add(`view ${table}`);
        this.touched.add(`view ${qualified(schema, to)}`);
        return true;
      case "OBJECT_SEQUENCE":
        this.touched.add(`sequence ${table}`);
        this.touched.add(`sequence ${qualified(schema, to)}`);
        return true;
      case "OBJECT_SCHEMA":
        this.touched.add(`schema "${stringField(node, "subname") ?? ""}"`);
        this.touched.add(`schema "${to}"`);
        return true;
      case "OBJECT_ROLE":
        this.touched.add(`role "${from}"`);
        this.touched.add(`role "${to}"`);
        return true;
      default:
        return false;
    }
  }

  drop(node: AstObject): boolean {
    const kind = stringField(node, "removeType") ?? "";
    for (const object of arrayField(node, "objects")) {
      const names = objectNameList(object);
      const single = stringField(nodeOf(object, "String"), "sval");
      const typeNames = nameList(nodeOf(object, "TypeName")?.["names"]);
      const routine = nameList(nodeOf(object, "ObjectWithArgs")?.["objname"]);
      switch (kind) {
        case "OBJECT_TABLE":
          this.touched.add(this.table(listName(names)));
          break;
        case "OBJECT_INDEX":
          this.index(listName(names));
          break;
        case "OBJECT_VIEW":
        case "OBJECT_MATVIEW":
          this.touched.add(`view ${listName(names)}`);
          break;
        case "OBJECT_SEQUENCE":
          this.touched.add(`sequence ${listName(names)}`);
          break;
        case "OBJECT_TYPE":
        case "OBJECT_DOMAIN":
          this.touched.add(`type ${listName(typeNames)}`);
          break;
        case "OBJECT_SCHEMA":
          this.touched.add(`schema "${single ?? ""}"`);
          break;
        case "OBJECT_EXTENSION":
          this.touched.add(`extension "${single ?? ""}"`);
          break;
        case "OBJECT_FUNCTION":
        case "OBJECT_PROCEDURE":
        case "OBJECT_ROUTINE":
          this.touched.add(`function ${listName(routine)}`);
          break;
        case "OBJECT_POLICY":
        case "OBJECT_TRIGGER":
        case "OBJECT_RULE":
          this.onTable(
            `${kind.replace(/^OBJECT_/, "").toLowerCase()} "${names.at(-1) ?? ""}"`,
            listName(names.slice(0, -1)),
          );
          break;
        default:
          return false;
      }
    }
    return true;
  }
}

/**
 * What a parsed migration touches. `indexes` names the table of each index (from
 * {@link indexTables}), so a `DROP INDEX` is labelled like the `CREATE INDEX` it undoes.
 * `dependents`: also what an object needs to go on existing, though it does not make the order
 * of two migrations matter (db:revert's later-migration check reads it; db:rebase and the
 * out-of-order check do not): relations named in strings (`nextval('s')`, `'t'::regclass`), the
 * object of a `COMMENT ON`, and what the statements of a PL/pgSQL body use.
 */
export function sqlTouches(
  migration: ParsedMigration,
  indexes: IndexTables = new Map(),
  options: { dependents?: boolean } = {},
): SqlTouches {
  const reader = new Reader(new TouchedObjects(), indexes, options.dependents);
  const unread: UnreadStatement[] = [];
  const partlyRead: SqlTouches["partlyRead"] = [];
  for (const statement of migration.statements) {
    const at = { file: migration.file, line: statement.position.line };
    if (statement.parseError) {
      unread.push({ ...at, reason: `PostgreSQL's parser rejects it (${statement.parseError.message})` });
      continue;
    }
    for (const unit of statement.units) {
      const body = unit.doBlock;
      if (body && body.opaque.length > 0)
        unread.push({ ...at, reason: `a DO block with PL/pgSQL it cannot read (${body.opaque.join(", ")})` });
      if (!reader.unit(unit)) unread.push({ ...at, reason: reader.reason ?? `${unit.type} statements are not read` });
      for (const part of reader.partlyRead.splice(0)) partlyRead.push({ ...at, ...part });
    }
  }
  return { touched: reader.touched, unread, partlyRead };
}

/**
 * Where two migrations touch the same objects (in either direction, see `TouchedObjects.overlaps`):
 * each pair of labels, `a`'s and `b`'s, once.
 */
export function commonObjects(a: TouchedObjects, b: TouchedObjects): { a: string; b: string }[] {
  const pairs = [
    ...a.overlaps(b).map(({ ours, theirs }) => ({ a: ours, b: theirs })),
    ...b.overlaps(a).map(({ ours, theirs }) => ({ a: theirs, b: ours })),
  ];
  return pairs.filter((pair, i) => pairs.findIndex((p) => p.a === pair.a && p.b === pair.b) === i);
}
