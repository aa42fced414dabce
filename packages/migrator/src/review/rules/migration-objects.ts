/**
 * The schema objects a migration creates and drops, each under one key (`index:name`,
 * `trigger:table.name`, `function:name` …), so a rule can tell a drop that is undone later in the
 * same migration, or that removes something the migration itself created, from a drop for good.
 */
import {
  arrayField,
  type AstObject,
  nameList,
  nodeOf,
  objectField,
  objectNameList,
  relationName,
  stringField,
} from "../../sql/ast.ts";
import type { ParsedMigration, SqlUnit } from "../../sql/parse-migration.ts";
import { typeNameText } from "../../sql/type-name.ts";
import {
  newConstraintShape,
  newIndexShape,
  type ObjectNames,
  qualifiedName,
  tableName,
  tableNameOfList,
} from "../object-names.ts";
import { alterCommands, declaredConstraints } from "./statement-parts.ts";

/** One object a statement creates or drops. */
export interface ObjectEvent {
  /** `kind:name`, the same for the CREATE and the DROP of one object. */
  key: string;
  /** Where the statement starts in the file (orders events). */
  offset: number;
}

/** A dropped object, with the name a message prints: `"trg" ON "t"`, `"f(text, uuid)"`. */
export interface DroppedObject extends ObjectEvent {
  label: string;
  /** `DROP … CASCADE`: objects that depend on it go too. */
  cascade: boolean;
  /** For DROP COLUMN and DROP CONSTRAINT: the table. */
  table?: string;
  /** For an index or constraint the schema state knows: what it is, its name aside (see `createdShapes`). */
  shape?: string;
}

/** `DROP <kind>` → the key's kind; kinds not listed here are not tracked. */
const DROP_KINDS: Record<string, string> = {
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_VIEW: "view",
  OBJECT_MATVIEW: "view",
  OBJECT_SEQUENCE: "sequence",
  OBJECT_TYPE: "type",
  OBJECT_DOMAIN: "type",
  OBJECT_FUNCTION: "function",
  OBJECT_PROCEDURE: "function",
  OBJECT_ROUTINE: "function",
  OBJECT_TRIGGER: "trigger",
  OBJECT_POLICY: "policy",
  OBJECT_RULE: "rule",
};

const quoted = (name: string) => `"${name}"`;
/** `["public", "mood"]` → `"public"."mood"`. */
export const quotedPath = (names: string[]) => names.map(quoted).join(".");

/** The objects a statement creates (CREATE …, ADD COLUMN, ADD CONSTRAINT). */
export function createdObjects(unit: SqlUnit): ObjectEvent[] {
  const { node, offset } = unit;
  const table = tableName(objectField(node, "relation"));
  const key = createdKey(unit, table);
  if (key) return [{ key, offset }];
  return alterCommands(unit).flatMap(({ subtype, command }) => {
    const column = stringField(nodeOf(command["def"], "ColumnDef"), "colname");
    if (subtype === "AT_AddColumn" && column) return [{ key: `column:${table}.${column}`, offset }];
    const constraint = stringField(nodeOf(command["def"], "Constraint"), "conname");
    if (subtype === "AT_AddConstraint" && constraint) return [{ key: `constraint:${table}.${constraint}`, offset }];
    return [];
  });
}

/** The key of what a CREATE statement creates (undefined for other statements). */
function createdKey({ type, node }: SqlUnit, table: string): string | undefined {
  const last = (field: string) => nameList(node[field]).at(-1) ?? "";
  switch (type) {
    case "CreateStmt":
      return `table:${table}`;
    case "IndexStmt":
      return `index:${stringField(node, "idxname") ?? ""}`;
    case "ViewStmt":
      return `view:${relationName(objectField(node, "view")) ?? ""}`;
    case "CreateTableAsStmt":
      return `view:${relationName(objectField(objectField(node, "into"), "rel")) ?? ""}`;
    case "CreateSeqStmt":
      return `sequence:${relationName(objectField(node, "sequence")) ?? ""}`;
    case "CreateEnumStmt":
      return `type:${last("typeName")}`;
    case "CreateDomainStmt":
      return `type:${last("domainname")}`;
    case "CompositeTypeStmt":
      return `type:${relationName(objectField(node, "typevar")) ?? ""}`;
    case "CreateFunctionStmt":
      return `function:${last("funcname")}`;
    case "CreateTrigStmt":
      return `trigger:${table}.${stringField(node, "trigname") ?? ""}`;
    case "CreatePolicyStmt":
      return `policy:${tableName(objectField(node, "table"))}.${stringField(node, "policy_name") ?? ""}`;
    case "RuleStmt":
      return `rule:${table}.${stringField(node, "rulename") ?? ""}`;
    default:
      return undefined;
  }
}

/** The objects a statement drops (DROP …, DROP COLUMN, DROP CONSTRAINT), with the names messages print. */
export function droppedObjects(unit: SqlUnit, names: ObjectNames): DroppedObject[] {
  const { node, offset } = unit;
  const cascades = (holder: AstObject) => stringField(holder, "behavior") === "DROP_CASCADE";
  if (unit.type === "AlterTableStmt") {
    const qualified = qualifiedName(objectField(node, "relation"));
    return alterCommands(unit).flatMap(({ table, subtype, command }) => {
      const name = stringField(command, "name") ?? "";
      const kind = subtype === "AT_DropColumn" ? "column" : subtype === "AT_DropConstraint" ? "constraint" : undefined;
      if (!kind) return [];
      const shape = kind === "constraint" ? names.constraintShape(qualified, name) : undefined;
      return [
        { key: `${kind}:${table}.${name}`, label: quoted(name), offset, cascade: cascades(command), table, shape },
      ];
    });
  }
  if (unit.type !== "DropStmt") return [];
  const kind = DROP_KINDS[stringField(node, "removeType") ?? ""] ?? "other";
  return arrayField(node, "objects").map((object) => {
    const { name, label } = droppedName(object, kind);
    const shape = kind === "index" ? names.indexShape(objectNameList(object)) : undefined;
    return { key: `${kind}:${name}`, label, offset, cascade: cascades(node), shape };
  });
}

/** The key name (last name, with its table for triggers, policies and rules) and the printed name of a DROP's object. */
function droppedName(object: unknown, kind: string): { name: string; label: string } {
  const routine = nodeOf(object, "ObjectWithArgs");
  if (routine) {
    const names = nameList(routine["objname"]);
    const args = arrayField(routine, "objargs").map((arg) => typeNameText(nodeOf(arg, "TypeName")));
    const signature = routine["args_unspecified"] === true ? "" : `(${args.join(", ")})`;
    return { name: names.at(-1) ?? "", label: `${quotedPath(names)}${signature}` };
  }
  const typeName = nodeOf(object, "TypeName");
  if (typeName) {
    const names = nameList(typeName["names"]);
    return { name: names.at(-1) ?? "", label: quotedPath(names) };
  }
  const names = objectNameList(object);
  const single = stringField(nodeOf(object, "String"), "sval");
  if (names.length === 0) return { name: single ?? "", label: quoted(single ?? "") };
  const last = names.at(-1) ?? "";
  // Tables (and the objects on them) are keyed as createdObjects keys them: by tableName, so a
  // DROP of "app"."t" matches the CREATE of "app"."t" and not a public "t".
  if (kind === "trigger" || kind === "policy" || kind === "rule") {
    const table = tableNameOfList(names.slice(0, -1));
    return { name: `${table}.${last}`, label: `${quoted(last)} ON ${quotedPath(names.slice(0, -1))}` };
  }
  if (kind === "table") return { name: tableNameOfList(names), label: quotedPath(names) };
  return { name: last, label: quotedPath(names) };
}

/** Every object the migration creates, in file order (DO blocks' statements included). */
export function migrationCreations(migration: ParsedMigration): ObjectEvent[] {
  return migration.statements.flatMap((statement) => statement.units.flatMap(createdObjects));
}

/**
 * The indexes and constraints the migration creates, each keyed by its shape (what it is, its
 * name aside): one created under a new name in place of a dropped one has the dropped one's shape.
 */
export function createdShapes(migration: ParsedMigration): ObjectEvent[] {
  return migration.statements.flatMap((statement) =>
    statement.units.flatMap((unit) => {
      const table = qualifiedName(objectField(unit.node, "relation"));
      if (unit.type === "IndexStmt") return [{ key: newIndexShape(table, unit.node), offset: unit.offset }];
      if (unit.type !== "AlterTableStmt") return [];
      return declaredConstraints(unit).map(({ constraint, column }) => ({
        key: newConstraintShape(table, constraint, column),
        offset: unit.offset,
      }));
    }),
  );
}
