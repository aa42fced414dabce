/**
 * What a migration changed, read from two Drizzle Kit snapshots (before and after it): the
 * database objects it touched, whether Drizzle Kit's differ would stop to ask about a rename, and
 * a snapshot with one migration's changes taken back out. Works on both snapshot formats (0.x's 7
 * and 1.0's 8) through the one entity view of `snapshot-entities.ts`; the snapshots compared are
 * of one format (a folder's), and a written snapshot keeps its format.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type EntityKind,
  entityKey,
  quotedName,
  type SnapshotEntity,
  snapshotEntities,
  tableKey,
  withEntities,
} from "./snapshot-entities.ts";
import { type Snapshot, snapshotVersion } from "./snapshot.ts";
import { qualifiedIdent } from "../sql/quote-ident.ts";
import { columnRefNames } from "../sql/ast.ts";
import { makeObjectName } from "../sql/identifier-length.ts";
import { pgQuery } from "../sql/pg-query.ts";

/** The word for an object of a table in labels (`index "i" on "t"`, `constraint "c" on "t"`). */
const PART_WORD: Partial<Record<EntityKind, string>> = {
  index: "index",
  "foreign-key": "constraint",
  "primary-key": "constraint",
  unique: "constraint",
  check: "constraint",
  policy: "policy",
  privilege: "privilege",
};

/** The word for an object outside a table (`type "e"`, `role "r"`). */
const TOP_WORD: Partial<Record<EntityKind, string>> = {
  schema: "schema",
  enum: "type",
  sequence: "sequence",
  view: "view",
  role: "role",
  policy: "policy",
  privilege: "privilege",
};

/** Plural words for rename ambiguities. */
const PLURAL: Record<EntityKind, string> = {
  schema: "schemas",
  role: "roles",
  enum: "types",
  sequence: "sequences",
  view: "views",
  privilege: "privileges",
  table: "tables",
  column: "columns",
  index: "indexes",
  "foreign-key": "foreign keys",
  "primary-key": "primary keys",
  unique: "unique constraints",
  check: "check constraints",
  policy: "policies",
};

/**
 * Where each Drizzle Kit's differ asks about renames: kinds compared across the whole snapshot,
 * and kinds compared within each table. 0.31 asks about tables, columns, policies and the
 * top-level collections; 1.0 also about each table's indexes, constraints and keys.
 */
const RENAME_PROMPTS: Record<"7" | "8", { whole: EntityKind[]; perTable: EntityKind[] }> = {
  "7": { whole: ["table", "schema", "enum", "sequence", "view", "role", "policy"], perTable: ["column", "policy"] },
  "8": {
    whole: ["schema", "enum", "sequence", "role", "privilege", "table", "view"],
    perTable: ["column", "unique", "check", "index", "primary-key", "foreign-key", "policy"],
  },
};

/** A table and what belongs to it (or, for objects on a table the snapshot does not hold, just those). */
interface TableGroup {
  schema: string;
  name: string;
  table?: SnapshotEntity;
  parts: Map<string, SnapshotEntity>;
}

/** A snapshot's objects: every one by key, the tables with their parts, and the rest. */
interface Objects {
  all: Map<string, SnapshotEntity>;
  tables: Map<string, TableGroup>;
  others: Map<string, SnapshotEntity>;
}

function objects(snapshot: Snapshot): Objects {
  const all = new Map<string, SnapshotEntity>();
  const tables = new Map<string, TableGroup>();
  const others = new Map<string, SnapshotEntity>();
  const group = (schema: string, name: string) => {
    const key = tableKey(schema, name);
    let found = tables.get(key);
    if (!found) {
      found = { schema, name, parts: new Map() };
      tables.set(key, found);
    }
    return found;
  };
  for (const entity of snapshotEntities(snapshot)) {
    const key = entityKey(entity);
    all.set(key, entity);
    if (entity.kind === "table") group(entity.schema, entity.name).table = entity;
    else if (entity.table !== undefined) group(entity.schema, entity.table).parts.set(key, entity);
    else others.set(key, entity);
  }
  return { all, tables, others };
}

function sameBody(a: SnapshotEntity | undefined, b: SnapshotEntity | undefined): boolean {
  return isDeepStrictEqual(a?.body, b?.body);
}

function sameGroup(a: TableGroup | undefined, b: TableGroup | undefined): boolean {
  if (!a || !b) return a === b;
  if (!sameBody(a.table, b.table) || a.parts.size !== b.parts.size) return false;
  for (const [key, part] of a.parts) if (!sameBody(part, b.parts.get(key))) return false;
  return true;
}

function union<T>(a: Map<string, T>, b: Map<string, T>): Set<string> {
  return new Set([...a.keys(), ...b.keys()]);
}

/** `table "t"` (or `table "s"."t"` outside `public`). */
function tableLabel(schema: string, table: string): string {
  return `table ${quotedName(schema, table)}`;
}

function columnLabel(schema: string, table: string, column: string): string {
  return `column ${quotedName(schema, table)}."${column}"`;
}

/**
 * The sequence a serial or identity column owns, as a label (`sequence "t_c_seq"`): it is dropped
 * with its table or column, and SQL names it in strings (`nextval('t_c_seq')`).
 */
function ownedSequenceLabel(part: SnapshotEntity): string | undefined {
  if (part.kind !== "column" || part.table === undefined) return undefined;
  const body = (part.body ?? {}) as Record<string, unknown>;
  const identity = body["identity"];
  const serial = typeof body["type"] === "string" && /^(small|big)?serial$/i.test(body["type"]);
  if (!serial && (typeof identity !== "object" || identity === null)) return undefined;
  const named = (identity as Record<string, unknown> | null)?.["name"];
  const name = typeof named === "string" && named ? named : makeObjectName(part.table, part.name, "seq");
  return `sequence ${quotedName(part.schema, name)}`;
}

function partLabel(part: SnapshotEntity): string {
  const table = part.table ?? "";
  if (part.kind === "column") return columnLabel(part.schema, table, part.name);
  return `${PART_WORD[part.kind] ?? part.kind} "${part.name}" on ${quotedName(part.schema, table)}`;
}

function topLabel(entity: SnapshotEntity): string {
  const word = TOP_WORD[entity.kind] ?? entity.kind;
  return entity.kind === "role" || entity.kind === "schema"
    ? `${word} "${entity.name}"`
    : `${word} ${quotedName(entity.schema, entity.name)}`;
}

/**
 * The objects one migration touched, as labels (`table "t"`, `column "t"."c"`,
 * `index "i" on "t"`, `type "e"` …), each with the label of the object it belongs to. `changed`
 * holds what it created, altered or dropped; `used` what it only references (the columns its new
 * foreign keys point at, the enum types of its new or changed columns), since taking those away
 * under it would break it.
 */
export class TouchedObjects {
  /** label → label of the containing object (a table), if any. */
  readonly changed = new Map<string, string | undefined>();
  readonly used = new Map<string, string | undefined>();
  /** The changed labels whose object was made or dropped whole, not altered (snapshot diffs only). */
  readonly madeOrDropped = new Set<string>();

  add(label: string, parent?: string): void {
    if (!this.changed.has(label)) this.changed.set(label, parent);
  }

  /** Adds a top-level object that was made or dropped whole. */
  addMadeOrDropped(label: string): void {
    this.add(label);
    this.madeOrDropped.add(label);
  }

  use(label: string, parent?: string): void {
    if (!this.used.has(label)) this.used.set(label, parent);
  }

  /**
   * What `later` changes or uses that is one of the objects we changed, inside one, or around
   * one: pairs (ours, theirs). Two migrations merely using the same object do not overlap.
   */
  overlaps(later: TouchedObjects): { ours: string; theirs: string; how: "changes" | "references" }[] {
    const found: { ours: string; theirs: string; how: "changes" | "references" }[] = [];
    const theirs = [
      ...[...later.changed].map(([label, parent]) => ({ label, parent, how: "changes" as const })),
      ...[...later.used].map(([label, parent]) => ({ label, parent, how: "references" as const })),
    ];
    for (const [ours, ourParent] of this.changed) {
      for (const { label, parent, how } of theirs) {
        if (ours === label || ourParent === label || parent === ours) found.push({ ours, theirs: label, how });
      }
    }
    return found;
  }
}

/** The columns an expression of a snapshot (an index expression, a check) names; undefined when it does not parse. */
function expressionColumns(expression: string): string[] | undefined {
  try {
    return columnRefNames(pgQuery().parseSync(`SELECT ${expression}`).stmts);
  } catch {
    return undefined;
  }
}

/**
 * The columns of its table an index or constraint covers (both formats: 0.x's index
 * `expression`/`columnsFrom`, 1.0's `value`/`columns`), with those its expressions and `WHERE`
 * name; undefined when an expression cannot be read (then it counts as using the whole table).
 */
function coveredColumns(part: SnapshotEntity): string[] | undefined {
  const body = (part.body ?? {}) as Record<string, unknown>;
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === "string") : []);
  const expressions: string[] = [];
  const columns = [...strings(body["columns"]), ...strings(body["columnsFrom"])];
  if (part.kind === "index" && Array.isArray(body["columns"])) {
    for (const item of body["columns"] as Record<string, unknown>[]) {
      const text = item["expression"] ?? item["value"];
      if (typeof text !== "string") continue;
      if (item["isExpression"]) expressions.push(text);
      else columns.push(text);
    }
  }
  for (const key of ["where", "value"]) if (typeof body[key] === "string" && body[key]) expressions.push(body[key]);
  for (const expression of expressions) {
    const named = expressionColumns(expression);
    if (!named) return undefined;
    columns.push(...named);
  }
  return columns;
}

/** Kinds of table parts that cover columns of their table. */
const COVERING: ReadonlySet<EntityKind> = new Set(["index", "foreign-key", "primary-key", "unique", "check"]);

/**
 * What changed objects rely on, as used: the enum types of changed columns, the columns changed
 * foreign keys point at, and the columns changed indexes and constraints cover that the
 * migration does not change itself (taking a column away drops the index on it).
 */
function addReferences(touched: TouchedObjects, after: Objects, changed: SnapshotEntity[]): void {
  for (const part of changed) {
    const body = (part.body ?? {}) as Record<string, unknown>;
    if (COVERING.has(part.kind) && part.table !== undefined) {
      const table = tableLabel(part.schema, part.table);
      const columns = coveredColumns(part);
      if (!columns) touched.use(table);
      // A column the same migration changes is its own, not one it relies on (1.0's primary keys of new tables).
      for (const label of (columns ?? []).map((c) => columnLabel(part.schema, part.table as string, c)))
        if (!touched.changed.has(label)) touched.use(label, table);
    }
    if (part.kind === "column") {
      const type = typeof body["type"] === "string" ? body["type"] : "";
      const schema = typeof body["typeSchema"] === "string" && body["typeSchema"] ? body["typeSchema"] : "public";
      if (type && after.all.has(entityKey({ kind: "enum", schema, name: type })))
        touched.use(`type ${quotedName(schema, type)}`);
      // A column of a table's row type (a custom type named like the table, arrays too): DROP
      // TABLE … CASCADE drops the column with its values.
      const rowType = type.replace(/(\[\])+$/, "").replace(/^"(.*)"$/, "$1");
      if (rowType && after.tables.has(tableKey(schema, rowType))) touched.use(tableLabel(schema, rowType));
    }
    if (part.kind === "foreign-key") {
      const schemaTo = typeof body["schemaTo"] === "string" && body["schemaTo"] ? body["schemaTo"] : "public";
      const tableTo = typeof body["tableTo"] === "string" ? body["tableTo"] : "";
      const columnsTo = Array.isArray(body["columnsTo"]) ? (body["columnsTo"] as string[]) : [];
      for (const column of columnsTo)
        touched.use(columnLabel(schemaTo, tableTo, column), tableLabel(schemaTo, tableTo));
    }
  }
}

/** The objects a migration touched, from the snapshots before and after it. */
export function touchedObjects(before: Snapshot, after: Snapshot): TouchedObjects {
  const touched = new TouchedObjects();
  const b = objects(before);
  const a = objects(after);
  for (const key of union(b.tables, a.tables)) {
    const gb = b.tables.get(key);
    const ga = a.tables.get(key);
    if (sameGroup(ga, gb)) continue;
    const group = (ga ?? gb) as TableGroup;
    const label = tableLabel(group.schema, group.name);
    const changed: SnapshotEntity[] = [];
    const whole = (ga?.table === undefined) !== (gb?.table === undefined);
    if (whole) {
      touched.addMadeOrDropped(label);
      for (const part of group.parts.values()) {
        touched.add(partLabel(part), label);
        const sequence = ownedSequenceLabel(part);
        if (sequence) touched.add(sequence, label);
        if (ga) changed.push(part);
      }
    } else {
      const pb = gb?.parts ?? new Map<string, SnapshotEntity>();
      const pa = ga?.parts ?? new Map<string, SnapshotEntity>();
      for (const partKey of union(pb, pa)) {
        const part = pa.get(partKey) ?? pb.get(partKey);
        if (!part || sameBody(pa.get(partKey), pb.get(partKey))) continue;
        touched.add(partLabel(part), label);
        // The sequence is made or dropped only when the column becomes or stops being serial or identity.
        const [sequenceBefore, sequenceAfter] = [pb.get(partKey), pa.get(partKey)].map(
          (p) => p && ownedSequenceLabel(p),
        );
        for (const sequence of [sequenceBefore, sequenceAfter])
          if (sequence && sequenceBefore !== sequenceAfter) touched.add(sequence, label);
        if (pa.has(partKey)) changed.push(part);
      }
      if (!sameBody(ga?.table, gb?.table))
        touched.add(`row-level security on ${quotedName(group.schema, group.name)}`, label);
    }
    addReferences(touched, a, changed);
  }
  for (const key of union(b.others, a.others)) {
    const entity = a.others.get(key) ?? b.others.get(key);
    if (!entity || sameBody(a.others.get(key), b.others.get(key))) continue;
    if (a.others.has(key) !== b.others.has(key)) touched.addMadeOrDropped(topLabel(entity));
    else touched.add(topLabel(entity));
  }
  return touched;
}

/** The format whose differ judges a pair: 1.0's as soon as one side is 1.0's (the other is converted to it). */
function differFormat(from: Snapshot, to: Snapshot): "7" | "8" {
  return snapshotVersion(from) === "8" || snapshotVersion(to) === "8" ? "8" : "7";
}

/**
 * Where Drizzle Kit's differ, going from `from` to `to`, would stop and ask whether something was
 * renamed: a kind of object (or, per table, its columns, policies and, in 1.0, indexes and
 * constraints) that both gains and loses names. Without a terminal it cannot ask, so `db:revert`
 * refuses and names them instead of guessing.
 */
export function renameAmbiguities(from: Snapshot, to: Snapshot): string[] {
  const prompts = RENAME_PROMPTS[differFormat(from, to)];
  const found: string[] = [];
  const f = objects(from);
  const t = objects(to);
  const describe = (
    what: string,
    created: SnapshotEntity[],
    deleted: SnapshotEntity[],
    label: (e: SnapshotEntity) => string,
  ) => {
    if (created.length && deleted.length)
      found.push(`${what}: ${deleted.map(label).join(", ")} would go and ${created.map(label).join(", ")} would come`);
  };
  const qualified = (e: SnapshotEntity) =>
    e.kind === "role" || e.kind === "schema" ? `"${e.name}"` : quotedName(e.schema, e.name);
  for (const kind of prompts.whole) {
    const of = (o: Objects) =>
      new Map(
        [...o.all].filter(
          // 1.0 asks about privileges across the snapshot, although each belongs to a table.
          ([, e]) => e.kind === kind && (kind === "table" || kind === "privilege" || e.table === undefined),
        ),
      );
    const [inFrom, inTo] = [of(f), of(t)];
    describe(
      PLURAL[kind],
      [...inTo].filter(([k]) => !inFrom.has(k)).map(([, e]) => e),
      [...inFrom].filter(([k]) => !inTo.has(k)).map(([, e]) => e),
      qualified,
    );
  }
  for (const [key, groupTo] of t.tables) {
    const groupFrom = f.tables.get(key);
    if (!groupFrom) continue;
    for (const kind of prompts.perTable) {
      const created = [...groupTo.parts]
        .filter(([k, e]) => e.kind === kind && !groupFrom.parts.has(k))
        .map(([, e]) => e);
      const deleted = [...groupFrom.parts]
        .filter(([k, e]) => e.kind === kind && !groupTo.parts.has(k))
        .map(([, e]) => e);
      describe(
        `${PLURAL[kind]} of ${tableLabel(groupTo.schema, groupTo.name)}`,
        created,
        deleted,
        (e) => `"${e.name}"`,
      );
    }
  }
  return found;
}

/**
 * `current` with one migration's changes taken back out: every object that differs between
 * `before` and `after` (the snapshots around that migration) is set back to its `before` state; a
 * table the migration created goes with all it holds, one it dropped comes back as it was.
 * Correct when no later migration touched those objects (checked first with `touchedObjects`).
 * The result has `current`'s format.
 */
export function withChangesReverted(current: Snapshot, before: Snapshot, after: Snapshot): Snapshot {
  const c = objects(current);
  const b = objects(before);
  const a = objects(after);
  const result = new Map(c.all);
  const dropGroup = (group: TableGroup | undefined) => {
    if (group?.table) result.delete(entityKey(group.table));
    for (const key of group?.parts.keys() ?? []) result.delete(key);
  };
  const patch = (key: string, was: SnapshotEntity | undefined, is: SnapshotEntity | undefined) => {
    if (sameBody(was, is)) return;
    if (was) result.set(key, was);
    else result.delete(key);
  };
  for (const key of union(b.tables, a.tables)) {
    const gb = b.tables.get(key);
    const ga = a.tables.get(key);
    if (sameGroup(ga, gb)) continue;
    if (!gb?.table && ga?.table) dropGroup(c.tables.get(key));
    else if (gb?.table && (!ga?.table || !c.tables.get(key)?.table)) {
      dropGroup(c.tables.get(key));
      result.set(key, gb.table);
      for (const [partKey, part] of gb.parts) result.set(partKey, part);
    } else {
      const pb = gb?.parts ?? new Map<string, SnapshotEntity>();
      const pa = ga?.parts ?? new Map<string, SnapshotEntity>();
      for (const partKey of union(pb, pa)) patch(partKey, pb.get(partKey), pa.get(partKey));
      if (gb?.table) patch(key, gb.table, ga?.table);
    }
  }
  for (const key of union(b.others, a.others)) patch(key, b.others.get(key), a.others.get(key));
  return withEntities(current, [...result.values()]);
}

/** Tables that exist in `after` but not in `before` (those a revert to `before` drops), by {@link qualifiedIdent}. */
export function tablesOnlyIn(after: Snapshot, before: Snapshot): string[] {
  const b = objects(before);
  return [...objects(after).tables]
    .filter(([key, group]) => group.table && !b.tables.get(key)?.table)
    .map(([, group]) => qualifiedIdent(group.schema, group.name));
}

/**
 * The names a snapshot records. Tables are keyed by {@link qualifiedIdent} (`"t"` in `public`,
 * `"s"."t"` elsewhere), so a table of another schema is never taken for one of `public`.
 */
export interface SnapshotNames {
  tables: Set<string>;
  /** Per table: its column, index, constraint and policy names. */
  parts: Map<string, Set<string>>;
  enums: Set<string>;
  roles: Set<string>;
  /** Tables with row-level security enabled (0.x `isRLSEnabled`, 1.0 `isRlsEnabled`). */
  rls: Set<string>;
}

/** The {@link SnapshotNames} of a snapshot. */
export function snapshotNames(snapshot: Snapshot): SnapshotNames {
  const names: SnapshotNames = {
    tables: new Set(),
    parts: new Map(),
    enums: new Set(),
    roles: new Set(),
    rls: new Set(),
  };
  for (const entity of snapshotEntities(snapshot)) {
    const body = (entity.body ?? {}) as { isRLSEnabled?: unknown; isRlsEnabled?: unknown };
    if (entity.kind === "table") {
      const table = qualifiedIdent(entity.schema, entity.name);
      names.tables.add(table);
      if (body.isRLSEnabled === true || body.isRlsEnabled === true) names.rls.add(table);
    } else if (entity.table !== undefined) {
      const table = qualifiedIdent(entity.schema, entity.table);
      names.parts.set(table, new Set([...(names.parts.get(table) ?? []), entity.name]));
    } else if (entity.kind === "enum") names.enums.add(entity.name);
    else if (entity.kind === "role") names.roles.add(entity.name);
  }
  for (const table of names.tables) if (!names.parts.has(table)) names.parts.set(table, new Set());
  return names;
}

/** Enum values that `before` lacks but `after` has, per enum (a revert cannot remove them losslessly). */
export function removedEnumValues(after: Snapshot, before: Snapshot): { type: string; values: string[] }[] {
  const b = objects(before);
  const found: { type: string; values: string[] }[] = [];
  const valuesOf = (e: SnapshotEntity | undefined) => ((e?.body ?? {}) as { values?: string[] }).values ?? [];
  for (const [key, entity] of objects(after).others) {
    const old = b.others.get(key);
    if (entity.kind !== "enum" || !old) continue;
    const values = valuesOf(entity).filter((v) => !valuesOf(old).includes(v));
    if (values.length) found.push({ type: entity.name, values });
  }
  return found;
}
