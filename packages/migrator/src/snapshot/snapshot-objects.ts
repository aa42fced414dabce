/**
 * What a migration changed, read from two Drizzle Kit snapshots (before and after it): the
 * database objects it touched, whether Drizzle Kit's differ would stop to ask about a rename, and
 * a snapshot with one migration's changes taken back out.
 */
import { isDeepStrictEqual } from "node:util";
import type { Snapshot } from "./snapshot.ts";

type Json = unknown;
type Collection = Record<string, Json>;

/** Collections of a snapshot's table that hold named sub-objects. */
const TABLE_PARTS = [
  ["columns", "column"],
  ["indexes", "index"],
  ["foreignKeys", "constraint"],
  ["compositePrimaryKeys", "constraint"],
  ["uniqueConstraints", "constraint"],
  ["checkConstraints", "constraint"],
  ["policies", "policy"],
] as const;

/** Top-level collections besides `tables`, with the word used in messages. */
const TOP_LEVEL = [
  ["schemas", "schema"],
  ["enums", "type"],
  ["sequences", "sequence"],
  ["views", "view"],
  ["roles", "role"],
  ["policies", "policy"],
] as const;

function collection(value: Json, key: string): Collection {
  const v = (value as Record<string, Json> | undefined)?.[key];
  return v && typeof v === "object" ? (v as Collection) : {};
}

function quoted(qualifiedKey: string): string {
  const [schema, ...rest] = qualifiedKey.split(".");
  const name = rest.join(".");
  if (!name) return `"${schema}"`;
  return schema === "public" ? `"${name}"` : `"${schema}"."${name}"`;
}

/** `table "t"` (or `table "s"."t"` outside `public`). */
export function tableLabel(tableKey: string): string {
  return `table ${quoted(tableKey)}`;
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

  add(label: string, parent?: string): void {
    if (!this.changed.has(label)) this.changed.set(label, parent);
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

function tableShortName(tableKey: string, table: Json): string {
  const name = (table as { name?: string } | undefined)?.name;
  return name ?? tableKey.split(".").slice(1).join(".");
}

function columnLabel(tableKey: string, column: string): string {
  return `column ${quoted(tableKey)}."${column}"`;
}

function addReferences(
  touched: TouchedObjects,
  snapshot: Snapshot,
  table: Json,
  changedColumns: Set<string>,
  changedForeignKeys: Set<string>,
): void {
  const enums = collection(snapshot, "enums");
  for (const [name, column] of Object.entries(collection(table, "columns"))) {
    if (!changedColumns.has(name)) continue;
    const c = column as { type?: string; typeSchema?: string };
    const enumKey = `${c.typeSchema ?? "public"}.${c.type ?? ""}`;
    if (c.type && enums[enumKey]) touched.use(`type ${quoted(enumKey)}`);
  }
  for (const [name, fk] of Object.entries(collection(table, "foreignKeys"))) {
    if (!changedForeignKeys.has(name)) continue;
    const f = fk as { tableTo?: string; schemaTo?: string; columnsTo?: string[] };
    const targetKey = `${f.schemaTo || "public"}.${f.tableTo ?? ""}`;
    for (const col of f.columnsTo ?? []) touched.use(columnLabel(targetKey, col), tableLabel(targetKey));
  }
}

/** The objects a migration touched, from the snapshots before and after it. */
export function touchedObjects(before: Snapshot, after: Snapshot): TouchedObjects {
  const touched = new TouchedObjects();
  const tablesBefore = collection(before, "tables");
  const tablesAfter = collection(after, "tables");
  for (const key of new Set([...Object.keys(tablesBefore), ...Object.keys(tablesAfter)])) {
    const b = tablesBefore[key];
    const a = tablesAfter[key];
    if (isDeepStrictEqual(a, b)) continue;
    const table = a ?? b;
    const label = tableLabel(key);
    const changedColumns = new Set<string>();
    const changedForeignKeys = new Set<string>();
    if (!a || !b) {
      touched.add(label);
      for (const [part, kind] of TABLE_PARTS) {
        for (const name of Object.keys(collection(table, part))) {
          touched.add(kind === "column" ? columnLabel(key, name) : `${kind} "${name}" on ${quoted(key)}`, label);
          if (kind === "column") changedColumns.add(name);
          if (part === "foreignKeys") changedForeignKeys.add(name);
        }
      }
    } else {
      for (const [part, kind] of TABLE_PARTS) {
        const pb = collection(b, part);
        const pa = collection(a, part);
        for (const name of new Set([...Object.keys(pb), ...Object.keys(pa)])) {
          if (isDeepStrictEqual(pa[name], pb[name])) continue;
          touched.add(kind === "column" ? columnLabel(key, name) : `${kind} "${name}" on ${quoted(key)}`, label);
          if (kind === "column" && pa[name]) changedColumns.add(name);
          if (part === "foreignKeys" && pa[name]) changedForeignKeys.add(name);
        }
      }
      if (
        !isDeepStrictEqual((a as Record<string, Json>)["isRLSEnabled"], (b as Record<string, Json>)["isRLSEnabled"])
      ) {
        touched.add(`row-level security on ${quoted(key)}`, label);
      }
    }
    if (a) addReferences(touched, after, a, changedColumns, changedForeignKeys);
  }
  for (const [part, word] of TOP_LEVEL) {
    const cb = collection(before, part);
    const ca = collection(after, part);
    for (const key of new Set([...Object.keys(cb), ...Object.keys(ca)])) {
      if (!isDeepStrictEqual(ca[key], cb[key]))
        touched.add(`${word} ${part === "roles" || part === "schemas" ? `"${key}"` : quoted(key)}`);
    }
  }
  return touched;
}

function createdAndDeleted(from: Collection, to: Collection): { created: string[]; deleted: string[] } {
  return {
    created: Object.keys(to).filter((k) => !(k in from)),
    deleted: Object.keys(from).filter((k) => !(k in to)),
  };
}

/**
 * Where Drizzle Kit's differ, going from `from` to `to`, would stop and ask whether something was
 * renamed: a kind of object (or a table's columns or policies) that both gains and loses names.
 * Without a terminal it cannot ask, so `db:revert` refuses and names them instead of guessing.
 */
export function renameAmbiguities(from: Snapshot, to: Snapshot): string[] {
  const found: string[] = [];
  const describe = (what: string, created: string[], deleted: string[]) =>
    found.push(
      `${what}: ${deleted.map((d) => `"${d}"`).join(", ")} would go and ${created.map((c) => `"${c}"`).join(", ")} would come`,
    );
  const tablesFrom = collection(from, "tables");
  const tablesTo = collection(to, "tables");
  const tables = createdAndDeleted(tablesFrom, tablesTo);
  if (tables.created.length && tables.deleted.length) describe("tables", tables.created, tables.deleted);
  for (const [part, word] of TOP_LEVEL) {
    const { created, deleted } = createdAndDeleted(collection(from, part), collection(to, part));
    if (created.length && deleted.length) describe(`${word}s`, created, deleted);
  }
  for (const key of Object.keys(tablesTo)) {
    if (!(key in tablesFrom)) continue;
    for (const part of ["columns", "policies"] as const) {
      const { created, deleted } = createdAndDeleted(
        collection(tablesFrom[key], part),
        collection(tablesTo[key], part),
      );
      if (created.length && deleted.length) {
        describe(`${part} of ${tableLabel(key)} (${tableShortName(key, tablesTo[key])})`, created, deleted);
      }
    }
  }
  return found;
}

function patch(target: Collection, before: Collection, after: Collection): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (isDeepStrictEqual(before[key], after[key])) continue;
    if (before[key] === undefined) delete target[key];
    else target[key] = structuredClone(before[key]);
  }
}

/**
 * `current` with one migration's changes taken back out: every object that differs between
 * `before` and `after` (the snapshots around that migration) is set back to its `before` state.
 * Correct when no later migration touched those objects (checked first with `touchedObjects`).
 */
export function withChangesReverted(current: Snapshot, before: Snapshot, after: Snapshot): Snapshot {
  const result = structuredClone(current) as Snapshot;
  for (const [part] of TOP_LEVEL) {
    if (!result[part]) result[part] = {};
    patch(result[part] as Collection, collection(before, part), collection(after, part));
  }
  const tables = collection(result, "tables");
  const tb = collection(before, "tables");
  const ta = collection(after, "tables");
  for (const key of new Set([...Object.keys(tb), ...Object.keys(ta)])) {
    const b = tb[key] as Record<string, Json> | undefined;
    const a = ta[key] as Record<string, Json> | undefined;
    if (isDeepStrictEqual(a, b)) continue;
    if (!b) delete tables[key];
    else if (!a || !tables[key]) tables[key] = structuredClone(b);
    else {
      const target = tables[key] as Record<string, Json>;
      for (const [part] of TABLE_PARTS) {
        if (!target[part]) target[part] = {};
        patch(target[part] as Collection, collection(b, part), collection(a, part));
      }
      if (!isDeepStrictEqual(a["isRLSEnabled"], b["isRLSEnabled"])) target["isRLSEnabled"] = b["isRLSEnabled"];
    }
  }
  result["tables"] = tables;
  return result;
}

/** Tables that exist in `after` but not in `before`: those a revert to `before` drops. */
export function tablesOnlyIn(after: Snapshot, before: Snapshot): string[] {
  const tb = collection(before, "tables");
  return Object.entries(collection(after, "tables"))
    .filter(([key]) => !(key in tb))
    .map(([key, table]) => tableShortName(key, table));
}

/** Table names (without schema) and, per table, the column, index, constraint and policy names of a snapshot. */
export function snapshotNames(snapshot: Snapshot): {
  tables: Set<string>;
  parts: Map<string, Set<string>>;
  enums: Set<string>;
  roles: Set<string>;
} {
  const tables = new Set<string>();
  const parts = new Map<string, Set<string>>();
  for (const [key, table] of Object.entries(collection(snapshot, "tables"))) {
    const name = tableShortName(key, table);
    tables.add(name);
    const names = new Set<string>();
    for (const [part] of TABLE_PARTS) for (const n of Object.keys(collection(table, part))) names.add(n);
    parts.set(name, names);
  }
  for (const key of Object.keys(collection(snapshot, "policies"))) tables.add(key);
  const enums = new Set(Object.values(collection(snapshot, "enums")).map((e) => (e as { name: string }).name));
  const roles = new Set(Object.keys(collection(snapshot, "roles")));
  return { tables, parts, enums, roles };
}

/** Enum values that `before` lacks but `after` has, per enum (a revert cannot remove them losslessly). */
export function removedEnumValues(after: Snapshot, before: Snapshot): { type: string; values: string[] }[] {
  const eb = collection(before, "enums");
  const found: { type: string; values: string[] }[] = [];
  for (const [key, e] of Object.entries(collection(after, "enums"))) {
    const old = eb[key] as { values?: string[] } | undefined;
    if (!old) continue;
    const values = ((e as { values?: string[] }).values ?? []).filter((v) => !(old.values ?? []).includes(v));
    if (values.length) found.push({ type: (e as { name: string }).name, values });
  }
  return found;
}
