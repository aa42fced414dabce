/**
 * Index and constraint names as PostgreSQL scopes them, replayed through the history: an index
 * name (and the index behind a primary key, unique or exclusion constraint) is taken in its
 * schema; any other constraint name only on its table. A name is free again once its object is
 * dropped: by DROP INDEX, ALTER TABLE … DROP CONSTRAINT, DROP TABLE, or DROP COLUMN of a column
 * it covers. Names PostgreSQL makes up (`t_pkey`) are not tracked.
 */
import { type AstObject, arrayField, findNodes, nameList, nodeOf, objectField, stringField } from "../sql/ast.ts";
import { canonicalNode } from "../sql/canonical-sql.ts";
import type { Position } from "../sql/parse-migration.ts";

/** Where something was first declared. */
export interface Origin {
  file: string;
  position: Position;
}

/** A named object the collision check compares a new declaration with. */
export interface NamedObject {
  origin: Origin;
  /** The qualified table it belongs to (`public.t`). */
  table: string;
  /** Its canonical definition, to tell a harmless guarded restatement from a different object. */
  definition: string;
}

/** An index as the history left it. */
export interface IndexEntry extends NamedObject {
  columns: Set<string>;
  /** Set when the index belongs to a constraint of that name. */
  constraint?: string;
}

interface ConstraintEntry extends NamedObject {
  columns: Set<string>;
  /** What it is, table and name aside (see `constraintKind`). */
  kind: string;
  /** The qualified table a foreign key references, and the columns it references. */
  references?: { table: string; columns: Set<string> };
}

/** The schema an unqualified name resolves to. */
const DEFAULT_SCHEMA = "public";

/**
 * A table as the replayed schema names it: its name in the default schema (so `"public"."t"` and
 * `"t"` are one table), `schema.name` in any other (so `"auth"."sessions"` is not `"sessions"`).
 */
export function tableName(rangeVar: AstObject | undefined): string {
  return tableNameOfList([
    stringField(rangeVar, "schemaname") ?? DEFAULT_SCHEMA,
    stringField(rangeVar, "relname") ?? "",
  ]);
}

/** {@link tableName} of a `[schema?, name]` name list (DROP TABLE; a DROP POLICY's table). */
export function tableNameOfList(names: readonly string[]): string {
  const [schema = DEFAULT_SCHEMA, name = ""] = names.length > 1 ? names.slice(-2) : [DEFAULT_SCHEMA, names[0]];
  return schema === DEFAULT_SCHEMA ? name : `${schema}.${name}`;
}

/** {@link tableName} of a qualified `schema.name` (as {@link qualifiedName} gives). */
export function tableNameOfQualified(qualified: string): string {
  return tableNameOfList([schemaOf(qualified), qualified.slice(qualified.indexOf(".") + 1)]);
}

/**
 * The table an ALTER TABLE … RENAME TO or SET SCHEMA moves: its qualified names before and after;
 * undefined for any other statement.
 */
export function tableMove(type: string, node: AstObject): { from: string; to: string } | undefined {
  const relation = objectField(node, "relation");
  const from = qualifiedName(relation);
  if (type === "RenameStmt" && stringField(node, "renameType") === "OBJECT_TABLE")
    return { from, to: `${schemaOf(from)}.${stringField(node, "newname") ?? ""}` };
  if (type === "AlterObjectSchemaStmt" && stringField(node, "objectType") === "OBJECT_TABLE")
    return { from, to: `${stringField(node, "newschema") ?? ""}.${stringField(relation, "relname") ?? ""}` };
  return undefined;
}

/** `schema.name` of a `RangeVar` (a table or an index). */
export function qualifiedName(rangeVar: AstObject | undefined): string {
  return `${stringField(rangeVar, "schemaname") ?? DEFAULT_SCHEMA}.${stringField(rangeVar, "relname") ?? ""}`;
}

/** `schema.name` of a `[schema?, name]` name list (DROP INDEX, DROP TABLE). */
export function qualifiedListName(names: string[]): string {
  return names.length > 1 ? names.slice(-2).join(".") : `${DEFAULT_SCHEMA}.${names[0] ?? ""}`;
}

function schemaOf(qualified: string): string {
  return qualified.slice(0, qualified.indexOf("."));
}

/** Whether a constraint (primary key, unique, exclusion) is backed by an index of the same name. */
export function isIndexBacked(constraint: AstObject): boolean {
  const type = stringField(constraint, "contype");
  return type === "CONSTR_PRIMARY" || type === "CONSTR_UNIQUE" || type === "CONSTR_EXCLUSION";
}

/** The columns a constraint or index covers: keys, referencing columns, and columns in its expressions. */
function coveredColumns(node: AstObject, column?: string): Set<string> {
  const columns = new Set<string>(column ? [column] : []);
  for (const key of ["keys", "fk_attrs", "including"]) for (const name of nameList(node[key])) columns.add(name);
  for (const element of arrayField(node, "indexParams")) {
    const name = stringField(nodeOf(element, "IndexElem"), "name");
    if (name) columns.add(name);
  }
  for (const { body } of findNodes(node, "ColumnRef")) {
    const last = nameList(body["fields"]).at(-1);
    if (last) columns.add(last);
  }
  return columns;
}

/** An entry as plain JSON: its column sets as arrays. */
type EntryJson<T> = Omit<T, "columns" | "references"> & {
  columns: string[];
  references?: { table: string; columns: string[] };
};

/** The names as plain JSON, for the review cache (`ObjectNames.fromJSON` reads it back). */
export interface ObjectNamesJson {
  indexes: [string, EntryJson<IndexEntry>][];
  constraints: [string, [string, EntryJson<ConstraintEntry>][]][];
}

/**
 * The names taken at one point of the history. Entries are never changed in place (a change
 * replaces the entry), so a clone shares them; each table's constraint map is copied by whichever
 * side changes it first (copy on write).
 */
export class ObjectNames {
  /** By `schema.name`. */
  private indexes = new Map<string, IndexEntry>();
  /** By qualified table, then constraint name. */
  private constraints = new Map<string, Map<string, ConstraintEntry>>();
  /** The constraint maps this instance may change in place; any other is shared with a clone. */
  private owned = new WeakSet<Map<string, ConstraintEntry>>();

  clone(): ObjectNames {
    const copy = new ObjectNames();
    copy.indexes = new Map(this.indexes);
    copy.constraints = new Map(this.constraints);
    this.owned = new WeakSet();
    return copy;
  }

  toJSON(): ObjectNamesJson {
    const entry = <T extends NamedObject & { columns: Set<string>; references?: ConstraintEntry["references"] }>(
      value: T,
    ) => ({
      ...value,
      columns: [...value.columns],
      ...(value.references ? { references: { ...value.references, columns: [...value.references.columns] } } : {}),
    });
    return {
      indexes: [...this.indexes].map(([key, value]) => [key, entry(value)]),
      constraints: [...this.constraints].map(([table, entries]) => [
        table,
        [...entries].map(([name, value]) => [name, entry(value)]),
      ]),
    };
  }

  static fromJSON(json: ObjectNamesJson): ObjectNames {
    const names = new ObjectNames();
    for (const [key, value] of json.indexes) names.indexes.set(key, { ...value, columns: new Set(value.columns) });
    for (const [table, entries] of json.constraints) {
      const map = new Map<string, ConstraintEntry>();
      for (const [name, value] of entries) {
        const { references, ...rest } = value;
        const restored: ConstraintEntry = { ...rest, columns: new Set(value.columns) };
        if (references) restored.references = { table: references.table, columns: new Set(references.columns) };
        map.set(name, restored);
      }
      names.constraints.set(table, map);
      names.owned.add(map);
    }
    return names;
  }

  /** The table's constraint map to change in place (created when absent, copied first when shared). */
  private mutableConstraints(table: string): Map<string, ConstraintEntry> {
    const entries = this.constraints.get(table);
    if (entries && this.owned.has(entries)) return entries;
    const copy = new Map(entries);
    this.owned.add(copy);
    this.constraints.set(table, copy);
    return copy;
  }

  /** Deletes the entries `remove` picks from every table's constraints, copying only the maps it changes. */
  private removeConstraints(remove: (entry: ConstraintEntry) => boolean): void {
    for (const [table, entries] of this.constraints) {
      const gone = [...entries].filter(([, entry]) => remove(entry)).map(([name]) => name);
      if (gone.length === 0) continue;
      const mutable = this.mutableConstraints(table);
      for (const name of gone) mutable.delete(name);
    }
  }

  /** The index (or constraint index) holding a name in a schema. */
  index(schema: string, name: string): NamedObject | undefined {
    return this.indexes.get(`${schema}.${name}`);
  }

  /** The index (or constraint index) a DROP INDEX names: `[schema?, name]`, an unqualified name in `public`. */
  indexNamed(names: string[]): Readonly<IndexEntry> | undefined {
    return this.indexes.get(qualifiedListName(names));
  }

  /** Every named foreign key: the qualified table it is on, its name, where it was made and what it references. */
  foreignKeys(): { table: string; name: string; origin: Origin; references: { table: string; columns: string[] } }[] {
    return [...this.constraints].flatMap(([table, entries]) =>
      [...entries].flatMap(([name, { origin, references }]) =>
        references
          ? [{ table, name, origin, references: { table: references.table, columns: [...references.columns] } }]
          : [],
      ),
    );
  }

  /** The constraint of that name on a table. */
  constraint(table: string, name: string): NamedObject | undefined {
    return this.constraints.get(table)?.get(name);
  }

  /** The tables the foreign keys on a column point to (`public.user`), sorted. */
  foreignKeyTargets(table: string, column: string): string[] {
    const targets = [...(this.constraints.get(table)?.values() ?? [])]
      .filter((entry) => entry.references && entry.columns.has(column))
      .map((entry) => entry.references?.table ?? "");
    return [...new Set(targets)].sort();
  }

  /** Records `CREATE INDEX`; a name already taken keeps its first owner. */
  addIndex(table: string, node: AstObject, origin: Origin): void {
    const name = stringField(node, "idxname");
    const key = `${schemaOf(table)}.${name ?? ""}`;
    if (!name || this.indexes.has(key)) return;
    this.indexes.set(key, { origin, table, definition: indexDefinition(node), columns: coveredColumns(node) });
  }

  /** Records a named constraint (and its index, for primary key, unique and exclusion constraints). */
  addConstraint(table: string, constraint: AstObject, origin: Origin, column?: string): void {
    const name = stringField(constraint, "conname");
    if (!name) return;
    if (this.constraints.get(table)?.has(name)) return;
    const entries = this.mutableConstraints(table);
    const columns = coveredColumns(constraint, column);
    const referenced = objectField(constraint, "pktable");
    const definition = constraintDefinition(constraint);
    const entry: ConstraintEntry = { origin, table, definition, columns, kind: constraintKind(constraint, column) };
    if (referenced)
      entry.references = { table: qualifiedName(referenced), columns: new Set(nameList(constraint["pk_attrs"])) };
    entries.set(name, entry);
    const key = `${schemaOf(table)}.${name}`;
    if (isIndexBacked(constraint) && !this.indexes.has(key))
      this.indexes.set(key, { origin, table, definition: entry.definition, columns, constraint: name });
  }

  /**
   * What the constraint is, its name aside (`table|kind|referenced table`), so a constraint added
   * under another name can be recognised as its replacement. The tables follow renames.
   */
  constraintShape(table: string, name: string): string | undefined {
    const entry = this.constraints.get(table)?.get(name);
    return entry && [entry.table, entry.kind, entry.references?.table ?? ""].join("|");
  }

  /** What the index is, its name aside (`table|definition`). */
  indexShape(names: string[]): string | undefined {
    const entry = this.indexes.get(qualifiedListName(names));
    return entry && `${entry.table}|${entry.definition}`;
  }

  dropIndex(names: string[]): void {
    this.indexes.delete(qualifiedListName(names));
  }

  dropConstraint(table: string, name: string): void {
    if (this.constraints.get(table)?.has(name)) this.mutableConstraints(table).delete(name);
    const key = `${schemaOf(table)}.${name}`;
    if (this.indexes.get(key)?.constraint === name) this.indexes.delete(key);
  }

  /** DROP TABLE: its indexes and constraints go, and so do foreign keys elsewhere that reference it. */
  dropTable(names: string[]): void {
    const table = qualifiedListName(names);
    this.constraints.delete(table);
    for (const [key, entry] of this.indexes) if (entry.table === table) this.indexes.delete(key);
    this.removeConstraints((entry) => entry.references?.table === table);
  }

  /** DROP COLUMN: indexes and constraints covering it go (with CASCADE, also foreign keys referencing it). */
  dropColumn(table: string, column: string, cascade: boolean): void {
    for (const [name, entry] of this.constraints.get(table) ?? []) {
      if (entry.columns.has(column)) this.dropConstraint(table, name);
    }
    for (const [key, entry] of this.indexes) {
      if (entry.table === table && entry.columns.has(column)) this.indexes.delete(key);
    }
    if (!cascade) return;
    this.removeConstraints((entry) => entry.references?.table === table && entry.references.columns.has(column));
  }

  /**
   * ALTER TABLE … RENAME TO, or SET SCHEMA (`from` and `to` qualified): its constraints and indexes
   * follow it, and an index's name moves to the new schema with it.
   */
  renameTable(from: string, to: string): void {
    const entries = this.constraints.get(from);
    if (entries) {
      this.constraints.delete(from);
      const moved = new Map([...entries].map(([name, entry]) => [name, { ...entry, table: to }]));
      this.owned.add(moved);
      this.constraints.set(to, moved);
    }
    for (const [key, entry] of [...this.indexes]) {
      if (entry.table !== from) continue;
      this.indexes.delete(key);
      this.indexes.set(`${schemaOf(to)}.${key.slice(key.indexOf(".") + 1)}`, { ...entry, table: to });
    }
    for (const [table, entries] of this.constraints) {
      const referencing = [...entries].filter(([, entry]) => entry.references?.table === from);
      if (referencing.length === 0) continue;
      const mutable = this.mutableConstraints(table);
      for (const [name, entry] of referencing) {
        if (entry.references) mutable.set(name, { ...entry, references: { ...entry.references, table: to } });
      }
    }
  }

  renameColumn(table: string, from: string, to: string): void {
    const renamed = (columns: Set<string>) =>
      columns.has(from) ? new Set([...columns].map((c) => (c === from ? to : c))) : columns;
    if (this.constraints.has(table)) {
      const entries = this.mutableConstraints(table);
      for (const [name, entry] of entries) entries.set(name, { ...entry, columns: renamed(entry.columns) });
    }
    for (const [key, entry] of this.indexes) {
      if (entry.table === table) this.indexes.set(key, { ...entry, columns: renamed(entry.columns) });
    }
  }

  /** ALTER INDEX … RENAME TO. */
  renameIndex(index: AstObject | undefined, to: string): void {
    const from = qualifiedName(index);
    const entry = this.indexes.get(from);
    if (!entry) return;
    this.indexes.delete(from);
    this.indexes.set(`${schemaOf(from)}.${to}`, entry);
  }

  /** ALTER TABLE … RENAME CONSTRAINT (its index is renamed with it). */
  renameConstraint(table: string, from: string, to: string): void {
    const entry = this.constraints.get(table)?.get(from);
    if (!entry) return;
    const entries = this.mutableConstraints(table);
    entries.delete(from);
    entries.set(to, entry);
    const key = `${schemaOf(table)}.${from}`;
    const index = this.indexes.get(key);
    if (index?.constraint === from) {
      this.indexes.delete(key);
      this.indexes.set(`${schemaOf(table)}.${to}`, { ...index, constraint: to });
    }
  }
}

/** An index's definition without its name, table and guards, to compare a restatement with the original. */
export function indexDefinition(node: AstObject): string {
  return canonicalNode({ ...node, idxname: undefined, relation: undefined });
}

/** `ObjectNames.indexShape` of an index a statement creates on `table`. */
export function newIndexShape(table: string, node: AstObject): string {
  return `${table}|${indexDefinition(node)}`;
}

/** `ObjectNames.constraintShape` of a constraint a statement adds to `table` (on `column`, for a column constraint). */
export function newConstraintShape(table: string, constraint: AstObject, column?: string): string {
  const referenced = objectField(constraint, "pktable");
  return [table, constraintKind(constraint, column), referenced ? qualifiedName(referenced) : ""].join("|");
}

/** A constraint's type, columns, referenced columns and check expression: all but its table, name and referenced table. */
function constraintKind(constraint: AstObject, column?: string): string {
  const type = stringField(constraint, "contype") ?? "";
  const columns = [...nameList(constraint["keys"]), ...nameList(constraint["fk_attrs"])];
  if (columns.length === 0 && column) columns.push(column);
  const check = type === "CONSTR_CHECK" ? canonicalNode(constraint["raw_expr"]) : "";
  return [type, columns.join(), nameList(constraint["pk_attrs"]).join(), check].join("|");
}

/** A constraint's definition, to compare a restatement with the original. */
export function constraintDefinition(constraint: AstObject): string {
  return canonicalNode(constraint);
}
