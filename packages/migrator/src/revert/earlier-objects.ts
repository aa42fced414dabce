/**
 * What the migrations before a reverted one left in the database, as far as their SQL tells it:
 * the extensions, tables, columns, constraints, indexes and policies they created (and did not drop
 * again), under the names renames and SET SCHEMA gave them since, and the tables on which they
 * turned row-level security on or FORCEd it. No snapshot records hand-written objects or FORCE, so
 * `db:revert` asks this before undoing a statement that may only restate something (`CREATE TABLE
 * IF NOT EXISTS`, `FORCE ROW LEVEL SECURITY` …). Each text is read by PostgreSQL's parser, DO
 * blocks' plain statements included; a DO block that runs SQL from a string, or a call of a routine,
 * is remembered as SQL it cannot read: after one, an object it does not know of may exist all the same.
 */
import {
  arrayField,
  type AstObject,
  constantText,
  findNodes,
  nameList,
  nodeOf,
  objectField,
  objectNameList,
  stringField,
} from "../sql/ast.ts";
import { namesInText } from "../sql/names-in-text.ts";
import { OPAQUE_STATEMENTS, routineDefinition } from "../sql/opaque-routines.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent } from "../sql/quote-ident.ts";
import { tableMove } from "../review/object-names.ts";

/** The kinds of object tracked. Tables, indexes are keyed by {@link qualifiedIdent}; parts by table and name. */
export type EarlierKind = "extension" | "table" | "column" | "constraint" | "index" | "policy" | "rls" | "force";

/** What one statement does to the objects tracked. */
type Effect =
  /** An object (or a table's RLS state) appears or goes; `name` is its own name (a part's, an index's). */
  | { type: "add" | "drop"; kind: EarlierKind; key: string; table?: string; name?: string }
  /** A table renamed or moved to another schema: what belongs to it goes along. */
  | { type: "move-table"; from: string; to: string; schema?: string }
  /** An index, column, constraint or policy renamed. */
  | { type: "rename"; kind: EarlierKind; from: string; to: string; table?: string; name: string }
  /** SQL the parse cannot read (what it did is unknown), with its text; `all`: it may concern any object. */
  | { type: "unread"; what: string; text: string; all?: boolean }
  /** A routine created, with its text: what a call of it does is unknown. */
  | { type: "routine"; name: string; text: string }
  /** Calls of routines by name: unread if an earlier statement created one of them, or always (CALL). */
  | { type: "call"; names: string[]; always: boolean; what: string; text: string };

/** The key of an object that belongs to a table: a column, a constraint, a policy, or the table's RLS state. */
export function partKey(table: string, name = ""): string {
  return `${table}\u0000${name}`;
}

/** A name list (`["s", "t"]`) as {@link qualifiedIdent}, and the list without its last name. */
function listKey(names: string[]): string {
  return qualifiedIdent(names.length > 1 ? names.at(-2) : undefined, names.at(-1) ?? "");
}

function relationKey(rangeVar: AstObject | undefined): string {
  return qualifiedIdent(stringField(rangeVar, "schemaname"), stringField(rangeVar, "relname") ?? "");
}

/** A `schema.name` of {@link tableMove} as {@link qualifiedIdent}. */
function movedKey(qualified: string): string {
  const dot = qualified.indexOf(".");
  return qualifiedIdent(qualified.slice(0, dot), qualified.slice(dot + 1));
}

const ALTER_EFFECTS: Readonly<Record<string, readonly [boolean, EarlierKind]>> = {
  AT_EnableRowSecurity: [true, "rls"],
  AT_DisableRowSecurity: [false, "rls"],
  AT_ForceRowSecurity: [true, "force"],
  AT_NoForceRowSecurity: [false, "force"],
};

const DROP_KINDS: Readonly<Record<string, EarlierKind>> = {
  OBJECT_EXTENSION: "extension",
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_POLICY: "policy",
};

/** The parts a RenameStmt renames, by its renameType. */
const RENAMED_PARTS: Readonly<Record<string, EarlierKind>> = {
  OBJECT_COLUMN: "column",
  OBJECT_TABCONSTRAINT: "constraint",
  OBJECT_POLICY: "policy",
};

function part(type: "add" | "drop", kind: EarlierKind, table: string, name: string): Effect {
  return { type, kind, key: partKey(table, name), table, name };
}

/** The named constraints of a CREATE TABLE: table constraints and those written on a column. */
function inlineConstraints(node: AstObject, table: string): Effect[] {
  return arrayField(node, "tableElts").flatMap((element) => {
    const constraints = [nodeOf(element, "Constraint")];
    for (const item of arrayField(nodeOf(element, "ColumnDef"), "constraints"))
      constraints.push(nodeOf(item, "Constraint"));
    return constraints.flatMap((constraint) => {
      const name = stringField(constraint, "conname");
      return name ? [part("add", "constraint", table, name)] : [];
    });
  });
}

/** The columns of a table made from a query (CREATE TABLE … AS, SELECT … INTO), which the statement does not list. */
const queryColumns = (unit: SqlUnit): Effect => ({
  type: "unread",
  what: "a table made from a query",
  text: unit.text,
});

/** A table CREATE TABLE … AS or SELECT … INTO makes, from its `IntoClause`. */
function tableInto(into: AstObject | undefined): Effect[] {
  const relation = objectField(into, "rel");
  return relation ? [{ type: "add", kind: "table", key: relationKey(relation) }] : [];
}

/** Whether a statement sets `search_path` (`SET`, `set_config`): an unqualified name may then be in any schema. */
export function setsSearchPathIn(unit: SqlUnit): boolean {
  return (
    (unit.type === "VariableSetStmt" && stringField(unit.node, "name") === "search_path") ||
    findNodes(unit.node, "FuncCall").some((call) => {
      if (nameList(call.body["funcname"]).at(-1) !== "set_config") return false;
      // set_config('search_path', …), or a setting named at run time (which may be it).
      const name = constantText(arrayField(call.body, "args")[0]);
      return name === undefined || name.toLowerCase() === "search_path";
    })
  );
}

/** What one statement creates, drops or renames, of the kinds tracked. */
function effectsOf(unit: SqlUnit): Effect[] {
  const { node } = unit;
  // After it, an unqualified name may be in any schema: what the replay keys as public may not be.
  if (setsSearchPathIn(unit)) return [{ type: "unread", what: "a change of search_path", text: "", all: true }];
  // CREATE SCHEMA … CREATE TABLE …: statements of another schema, not read one by one here.
  if (unit.type === "CreateSchemaStmt" && arrayField(node, "schemaElts").length > 0)
    return [{ type: "unread", what: "CREATE SCHEMA with statements of its own", text: "", all: true }];
  const table = relationKey(objectField(node, "relation"));
  const dynamic = (unit.doBlock?.opaque ?? []).flatMap((kind) => OPAQUE_STATEMENTS.get(kind) ?? []);
  if (dynamic.length > 0)
    return [{ type: "unread", what: `a DO block that runs ${dynamic.join(", ")}`, text: unit.text }];
  const routine = routineDefinition(unit);
  if (routine) return [{ type: "routine", name: routine.name, text: unit.text }];
  // What a routine does when called is not read: its body may run anything, from a string too.
  const procedure = unit.type === "CallStmt" ? objectField(node, "funccall") : undefined;
  const calls = [...findNodes(node, "FuncCall").map(({ body }) => body), ...(procedure ? [procedure] : [])];
  const names = [...new Set(calls.flatMap((body) => nameList(body["funcname"]).slice(-1)))];
  const effects: Effect[] =
    names.length > 0
      ? [
          {
            type: "call",
            names,
            always: procedure !== undefined,
            what: `a call of ${names.map((n) => `"${n}"`).join(", ")}`,
            text: unit.text,
          },
        ]
      : [];
  return [...effects, ...statementEffects(unit, table)];
}

/** What a statement read whole does to the objects tracked. */
function statementEffects(unit: SqlUnit, table: string): Effect[] {
  const { node } = unit;
  const move = tableMove(unit.type, node);
  if (move) {
    const schema = unit.type === "AlterObjectSchemaStmt" ? stringField(node, "newschema") : undefined;
    return [{ type: "move-table", from: movedKey(move.from), to: movedKey(move.to), ...(schema ? { schema } : {}) }];
  }
  switch (unit.type) {
    case "CreateExtensionStmt":
      return [{ type: "add", kind: "extension", key: stringField(node, "extname") ?? "" }];
    case "CreateStmt":
      return [
        { type: "add", kind: "table", key: table },
        // Columns copied from another table (LIKE, INHERITS) are not listed in the statement.
        ...(arrayField(node, "inhRelations").length > 0 ||
        arrayField(node, "tableElts").some((element) => nodeOf(element, "TableLikeClause"))
          ? [{ type: "unread" as const, what: "a table whose columns come from another", text: unit.text }]
          : []),
        ...arrayField(node, "tableElts").flatMap((element) => {
          const column = stringField(nodeOf(element, "ColumnDef"), "colname");
          return column ? [part("add", "column", table, column)] : [];
        }),
        ...inlineConstraints(node, table),
      ];
    case "CreateTableAsStmt":
      return stringField(node, "objtype") === "OBJECT_TABLE"
        ? [...tableInto(objectField(node, "into")), queryColumns(unit)]
        : [];
    case "SelectStmt":
      return objectField(node, "intoClause") ? [...tableInto(objectField(node, "intoClause")), queryColumns(unit)] : [];
    case "IndexStmt": {
      const name = stringField(node, "idxname");
      const schema = stringField(objectField(node, "relation"), "schemaname");
      return name ? [{ type: "add", kind: "index", key: qualifiedIdent(schema, name), table, name }] : [];
    }
    case "CreatePolicyStmt": {
      const on = relationKey(objectField(node, "table"));
      return [part("add", "policy", on, stringField(node, "policy_name") ?? "")];
    }
    case "RenameStmt": {
      const type = stringField(node, "renameType") ?? "";
      const to = stringField(node, "newname") ?? "";
      if (type === "OBJECT_INDEX") {
        const schema = stringField(objectField(node, "relation"), "schemaname");
        const from = stringField(objectField(node, "relation"), "relname") ?? "";
        return [
          {
            type: "rename",
            kind: "index",
            from: qualifiedIdent(schema, from),
            to: qualifiedIdent(schema, to),
            name: to,
          },
        ];
      }
      const kind = RENAMED_PARTS[type];
      if (!kind) return [];
      const from = stringField(node, "subname") ?? "";
      return [{ type: "rename", kind, from: partKey(table, from), to: partKey(table, to), table, name: to }];
    }
    case "AlterTableStmt":
      return arrayField(node, "cmds").flatMap((item): Effect[] => {
        const command = nodeOf(item, "AlterTableCmd");
        const subtype = stringField(command, "subtype") ?? "";
        const add = subtype.startsWith("AT_Add") ? "add" : "drop";
        if (subtype === "AT_AddColumn" || subtype === "AT_DropColumn") {
          const column = stringField(nodeOf(command?.["def"], "ColumnDef"), "colname") ?? stringField(command, "name");
          return [part(add, "column", table, column ?? "")];
        }
        if (subtype === "AT_AddConstraint" || subtype === "AT_DropConstraint") {
          const name = stringField(nodeOf(command?.["def"], "Constraint"), "conname") ?? stringField(command, "name");
          return name ? [part(add, "constraint", table, name)] : [];
        }
        const rls = ALTER_EFFECTS[subtype];
        return rls ? [part(rls[0] ? "add" : "drop", rls[1], table, "")] : [];
      });
    case "DropStmt": {
      const kind = DROP_KINDS[stringField(node, "removeType") ?? ""];
      if (!kind) return [];
      return arrayField(node, "objects").map((object): Effect => {
        // An extension's name is a bare String; a policy's list ends with its table then its name.
        const names =
          kind === "extension" ? [stringField(nodeOf(object, "String"), "sval") ?? ""] : objectNameList(object);
        const key = kind === "policy" ? partKey(listKey(names.slice(0, -1)), names.at(-1)) : listKey(names);
        return { type: "drop", kind, key };
      });
    }
    default:
      return [];
  }
}

/**
 * The effects of each migration text, parsed once each: a revert or a rebase asks about every
 * migration before each one it reads. Room for the longest real histories (dropping the oldest
 * entries would parse every migration again on each pass, which reads them oldest first).
 */
const effectsByText = new Map<string, readonly Effect[]>();
const TEXTS_KEPT = 50_000;

function effectsOfText(file: string, sql: string): readonly Effect[] {
  const known = effectsByText.get(sql);
  if (known) return known;
  const effects = parseMigration(file, file, sql).statements.flatMap((s) => s.units.flatMap(effectsOf));
  if (effectsByText.size >= TEXTS_KEPT) effectsByText.delete(effectsByText.keys().next().value!);
  effectsByText.set(sql, effects);
  return effects;
}

interface Found {
  file: string;
  kind: EarlierKind;
  key: string;
  table?: string;
  name?: string;
}

/** The objects the earlier migrations left, each with the migration that created it (the first, for extensions). */
export class EarlierObjects {
  private readonly found = new Map<string, Found>();
  /** The routines created, by name, with their texts. */
  private readonly routines = new Map<string, string>();
  /** The earlier statements whose effect is unknown: where each is, what it is, and the SQL text it may run. */
  private readonly unreadStatements: { at: string; text: string; all?: boolean }[] = [];

  constructor(earlierSql: readonly { file: string; sql: string }[]) {
    for (const { file, sql } of earlierSql) {
      for (const effect of effectsOfText(file, sql)) this.apply(file, effect);
    }
  }

  private set(entry: Found): void {
    this.found.set(`${entry.kind}\u0000${entry.key}`, entry);
  }

  private apply(file: string, effect: Effect): void {
    switch (effect.type) {
      case "add":
        if (!this.found.has(`${effect.kind}\u0000${effect.key}`)) this.set({ ...effect, file });
        return;
      case "drop":
        this.found.delete(`${effect.kind}\u0000${effect.key}`);
        // What belongs to a dropped table goes with it.
        if (effect.kind === "table")
          for (const [id, entry] of this.found) if (entry.table === effect.key) this.found.delete(id);
        return;
      case "rename": {
        const entry = this.found.get(`${effect.kind}\u0000${effect.from}`);
        if (!entry) return;
        this.found.delete(`${effect.kind}\u0000${effect.from}`);
        this.set({ ...entry, key: effect.to, name: effect.name });
        return;
      }
      case "move-table":
        return this.moveTable(effect.from, effect.to, effect.schema);
      case "routine":
        this.routines.set(effect.name, effect.text);
        return;
      case "call": {
        const bodies = this.reachedBodies(effect.names);
        if (effect.always || bodies.length > 0)
          this.unreadStatements.push({ at: `${file} runs ${effect.what}`, text: [effect.text, ...bodies].join("\n") });
        return;
      }
      case "unread":
        this.unreadStatements.push({ at: `${file} runs ${effect.what}`, text: effect.text, all: effect.all ?? false });
        return;
    }
  }

  /**
   * The texts of the routines `names` calls, and of those their bodies name in turn (a routine
   * that PERFORMs another): whatever a call may reach, as far as their texts name each other.
   */
  private reachedBodies(names: readonly string[]): string[] {
    const reached = new Set(names.filter((name) => this.routines.has(name)));
    for (let grew = true; grew;) {
      grew = false;
      const texts = [...reached].map((name) => this.routines.get(name)!);
      for (const name of this.routines.keys()) {
        if (reached.has(name) || !texts.some((text) => namesInText(text, name))) continue;
        reached.add(name);
        grew = true;
      }
    }
    return [...reached].map((name) => this.routines.get(name)!);
  }

  /** A table renamed or moved to another schema: its columns, constraints, policies, RLS state and indexes go along. */
  private moveTable(from: string, to: string, schema: string | undefined): void {
    const table = this.found.get(`table\u0000${from}`);
    if (table) {
      this.found.delete(`table\u0000${from}`);
      this.set({ ...table, key: to });
    }
    for (const [id, entry] of [...this.found]) {
      if (entry.table !== from) continue;
      this.found.delete(id);
      // An index keeps its name, and moves to its table's new schema.
      const key =
        entry.kind === "index"
          ? schema === undefined
            ? entry.key
            : qualifiedIdent(schema, entry.name ?? "")
          : partKey(to, entry.name);
      this.set({ ...entry, key, table: to });
    }
  }

  /** The migration that created the object (or turned the table's RLS on / FORCEd it), if it is still there. */
  createdBy(kind: EarlierKind, key: string): string | undefined {
    return this.found.get(`${kind}\u0000${key}`)?.file;
  }

  /**
   * The first earlier statement db:revert cannot read (a DO block running SQL from a string, a
   * call of a routine) whose text, or a reached routine's, names one of `names`, as `0014_x.sql runs …`:
   * it may have made the object {@link createdBy} does not know. The SQL it runs exists only at
   * run time, so no parse can answer; a name built from pieces at run time is not seen.
   */
  unreadNaming(...names: string[]): string | undefined {
    return this.unreadStatements.find(
      (statement) => statement.all === true || names.some((name) => namesInText(statement.text, name)),
    )?.at;
  }
}
