/**
 * One view of a snapshot for both Drizzle Kit formats: a list of database objects, each with its
 * kind, schema, table (for what belongs to a table), name and body. Drizzle Kit 0.x (format 7)
 * nests them (`tables["public.t"].columns.c`, `enums["public.e"]` …), 1.0 (format 8) lists them
 * flat in `ddl`; `snapshot-objects.ts` reasons on this view only, and `withEntities` writes a list
 * back in the format of the snapshot it came from.
 */
import { snapshotVersion, type Snapshot } from "./snapshot.ts";
import { SnapshotDiffError } from "./snapshot-diff-error.ts";

/** What a snapshot records, in both formats. */
export type EntityKind =
  | "schema"
  | "role"
  | "enum"
  | "sequence"
  | "view"
  | "privilege"
  | "table"
  | "column"
  | "index"
  | "foreign-key"
  | "primary-key"
  | "unique"
  | "check"
  | "policy";

/** One database object of a snapshot. */
export interface SnapshotEntity {
  kind: EntityKind;
  /** Its schema (`public` for the default one); empty for roles and schemas themselves. */
  schema: string;
  /** For a column, index, constraint, policy or privilege: the name of its table. */
  table?: string;
  name: string;
  /** The object as the snapshot's format records it: compare bodies of one format only. */
  body: unknown;
}

type Json = Record<string, unknown>;

/** Format 7: a table's collections of named objects, in Drizzle Kit's key order. */
const TABLE_PARTS_7: readonly (readonly [string, EntityKind])[] = [
  ["columns", "column"],
  ["indexes", "index"],
  ["foreignKeys", "foreign-key"],
  ["compositePrimaryKeys", "primary-key"],
  ["uniqueConstraints", "unique"],
  ["policies", "policy"],
  ["checkConstraints", "check"],
];

/** Format 7: the top-level collections besides `tables`. */
const TOP_LEVEL_7: readonly (readonly [string, EntityKind])[] = [
  ["enums", "enum"],
  ["schemas", "schema"],
  ["sequences", "sequence"],
  ["roles", "role"],
  ["policies", "policy"],
  ["views", "view"],
];

/** Format 8: `entityType` → kind. */
const KIND_8: Readonly<Record<string, EntityKind>> = {
  schemas: "schema",
  roles: "role",
  enums: "enum",
  sequences: "sequence",
  views: "view",
  privileges: "privilege",
  tables: "table",
  columns: "column",
  indexes: "index",
  fks: "foreign-key",
  pks: "primary-key",
  uniques: "unique",
  checks: "check",
  policies: "policy",
};

function record(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The identity of an object: two snapshots hold "the same" object when these are equal. */
export function entityKey(entity: Pick<SnapshotEntity, "kind" | "schema" | "table" | "name">): string {
  return `${entity.kind}\u0000${entity.schema}\u0000${entity.table ?? ""}\u0000${entity.name}`;
}

/** The key of the table an entity belongs to (or is). */
export function tableKey(schema: string, table: string): string {
  return entityKey({ kind: "table", schema, name: table });
}

/** `"t"`, or `"s"."t"` outside `public`. */
export function quotedName(schema: string, name: string): string {
  return schema === "public" || schema === "" ? `"${name}"` : `"${schema}"."${name}"`;
}

/**
 * The objects of a snapshot of either format. Throws `SnapshotDiffError` (`unsupported-snapshot`)
 * for a format it does not read, or a 1.0 entity type it does not know.
 *
 * @example snapshotEntities(snapshot).filter((e) => e.kind === "table").map((e) => e.name)
 */
export function snapshotEntities(snapshot: Snapshot): SnapshotEntity[] {
  return snapshotVersion(snapshot) === "8" ? entities8(snapshot) : entities7(snapshot);
}

function entities7(snapshot: Snapshot): SnapshotEntity[] {
  const found: SnapshotEntity[] = [];
  for (const [key, value] of Object.entries(record(snapshot["tables"]))) {
    const table = record(value);
    const schema = text(table["schema"]) ?? key.split(".")[0] ?? "public";
    const name = text(table["name"]) ?? key.split(".").slice(1).join(".");
    const body: Json = {};
    for (const [field, v] of Object.entries(table))
      if (!TABLE_PARTS_7.some(([part]) => part === field)) body[field] = v;
    found.push({ kind: "table", schema, name, body });
    for (const [part, kind] of TABLE_PARTS_7) {
      for (const [partName, partBody] of Object.entries(record(table[part])))
        found.push({ kind, schema, table: name, name: partName, body: partBody });
    }
  }
  for (const [collection, kind] of TOP_LEVEL_7) {
    for (const [key, value] of Object.entries(record(snapshot[collection]))) {
      const body = record(value);
      if (kind === "role" || kind === "schema") {
        found.push({ kind, schema: "", name: key, body: value });
        continue;
      }
      const [keySchema, ...rest] = key.split(".");
      const schema = text(body["schema"]) ?? (rest.length ? keySchema : undefined) ?? "public";
      const name = kind === "policy" ? key : (text(body["name"]) ?? rest.join("."));
      const on = text(body["on"]);
      found.push(on ? { kind, schema, table: on, name, body: value } : { kind, schema, name, body: value });
    }
  }
  return found;
}

function entities8(snapshot: Snapshot): SnapshotEntity[] {
  return (snapshot["ddl"] as unknown[]).map((value, position) => {
    const body = record(value);
    const kind = KIND_8[String(body["entityType"])];
    if (!kind) {
      throw new SnapshotDiffError(
        `snapshot ${snapshot.id}: ddl entry ${position} has entityType ${JSON.stringify(body["entityType"])}, which the toolkit does not know (a newer Drizzle Kit than 1.0.0-rc.5-5935859?)`,
        "unsupported-snapshot",
      );
    }
    const schema = text(body["schema"]) ?? "";
    const table = text(body["table"]);
    const name = String(body["name"] ?? "");
    return table ? { kind, schema, table, name, body: value } : { kind, schema, name, body: value };
  });
}

/**
 * `template` with its objects replaced by `entities`, in `template`'s format: everything else it
 * holds (id, parents, version, dialect, …) is kept. Entities of another format are not converted.
 */
export function withEntities(template: Snapshot, entities: readonly SnapshotEntity[]): Snapshot {
  if (snapshotVersion(template) === "8") return { ...template, ddl: entities.map((e) => structuredClone(e.body)) };
  return write7(template, entities);
}

/** Drizzle Kit 0.x's key order inside a table. */
const TABLE_KEYS_7 = ["name", "schema", ...TABLE_PARTS_7.map(([part]) => part), "isRLSEnabled"];

function write7(template: Snapshot, entities: readonly SnapshotEntity[]): Snapshot {
  const tables = new Map<string, { body: Json; parts: Map<string, Json> }>();
  const tableOf = (schema: string, name: string) => {
    const key = `${schema}.${name}`;
    let table = tables.get(key);
    if (!table) {
      table = { body: { name, schema: schema === "public" ? "" : schema }, parts: new Map() };
      tables.set(key, table);
    }
    return table;
  };
  const collections: Record<string, Json> = {};
  for (const [collection] of TOP_LEVEL_7) collections[collection] = {};
  for (const entity of entities) {
    const body = structuredClone(entity.body);
    if (entity.kind === "table") {
      tableOf(entity.schema, entity.name).body = record(body);
      continue;
    }
    const part = TABLE_PARTS_7.find(([, kind]) => kind === entity.kind)?.[0];
    const topLevelPolicy = entity.kind === "policy" && (entity.table === undefined || "on" in record(body));
    if (part && entity.table !== undefined && !topLevelPolicy) {
      const parts = tableOf(entity.schema, entity.table).parts;
      parts.set(part, { ...(parts.get(part) ?? {}), [entity.name]: body });
      continue;
    }
    const collection = TOP_LEVEL_7.find(([, kind]) => kind === entity.kind)?.[0] ?? "policies";
    const key =
      entity.kind === "role" || entity.kind === "schema" || entity.kind === "policy"
        ? entity.name
        : `${entity.schema}.${entity.name}`;
    (collections[collection] as Json)[key] = body;
  }
  const tablesJson: Json = {};
  for (const [key, { body, parts }] of tables) {
    const table: Json = {};
    for (const field of TABLE_KEYS_7) {
      if (TABLE_PARTS_7.some(([part]) => part === field)) table[field] = parts.get(field) ?? {};
      else if (field in body) table[field] = body[field];
    }
    for (const [field, value] of Object.entries(body)) if (!(field in table)) table[field] = value;
    tablesJson[key] = table;
  }
  const result: Snapshot = { ...template };
  result["tables"] = tablesJson;
  for (const [collection, value] of Object.entries(collections))
    if (collection in template || Object.keys(value).length > 0) result[collection] = value;
  return result;
}
