/**
 * A statement's shape with its re-run guards removed, to tell whether a hand-guarded statement in a
 * migration is the one Drizzle Kit generated: `CREATE TABLE IF NOT EXISTS "t" …` and
 * `CREATE TABLE "t" …` have the same canonical form. So do `"public"."t"` and `"t"`: Drizzle Kit
 * versions differ in whether they qualify names in the default schema (`CREATE TYPE "public"."e"`,
 * `REFERENCES "public"."t"` in 0.31; `CREATE TYPE "e"`, `REFERENCES "t"` in older migrations and in 1.0).
 *
 * The form is also the same for what Drizzle Kit 0.x and 1.0 write for one schema change, so a
 * history written by 0.x and then converted with `drizzle-kit up` (its files keep 0.x's text) is
 * still recognised against 1.0's differ. Measured on the same snapshots, 1.0 writes:
 * - no `"public".` before types, tables it references, or names it drops (`CREATE TYPE "e"`);
 * - `"id" text PRIMARY KEY` without `NOT NULL` (a primary key is never null);
 * - a column's `UNIQUE` inline and unnamed where 0.x wrote `CONSTRAINT "t_c_unique" UNIQUE("c")`
 *   last (0.x's default name, or PostgreSQL's `t_c_key`, counts as no name);
 * - `DEFAULT '{}'::text[]` for 0.x's `DEFAULT '{}'` on a `text[]` column (a cast to the column's own
 *   type);
 * - no `USING btree`, no `ON UPDATE no action`, upper-case actions, `tsvector` unquoted, the
 *   foreign keys after the indexes: these parse to the same tree already (or are an order the
 *   comparison, a set, ignores).
 */
import { pgQuery } from "./pg-query.ts";
import { type AstObject, arrayField, isObject, nameList, nodeOf, objectField, stringField, unwrap } from "./ast.ts";
import type { SqlUnit } from "./sql-unit.ts";

/**
 * Fields that do not change what a statement creates: positions, re-run guards, and what a team
 * adds to a generated statement on the review's own advice (`CONCURRENTLY`, `NOT VALID`). Also
 * what Drizzle Kit versions write differently for the same change: where `ALTER TYPE … ADD VALUE`
 * places the value (`BEFORE 'x'` today, nothing in older versions) and `DROP TABLE "t" CASCADE`
 * (today) against `DROP TABLE "t"`.
 */
const IGNORED_FIELDS = new Set([
  "location",
  "stmt_location",
  "stmt_len",
  "list_start",
  "list_end",
  "rexpr_list_start",
  "rexpr_list_end",
  "name_location",
  "if_not_exists",
  "missing_ok",
  "skipIfNewValExists",
  "concurrent",
  "skip_validation",
  "initially_valid",
  "newValNeighbor",
  "newValIsAfter",
  "behavior",
]);

/** Fields holding a qualified name as a list of `String` nodes, where a leading `public` is the default schema. */
const QUALIFIED_NAME_FIELDS = new Set(["names", "typeName", "funcname", "defnames", "items"]);

/** The canonical form of a parsed statement. */
export function canonicalUnit(unit: SqlUnit): string {
  return canonicalNode({ [unit.type]: unit.node });
}

/** The canonical forms of the statements in a SQL string (empty when it does not parse). */
export function canonicalStatements(sql: string): string[] {
  try {
    return (pgQuery().parseSync(sql).stmts ?? []).map((raw) => canonicalNode(raw.stmt));
  } catch {
    return [];
  }
}

/** The schema an unqualified name resolves to under Drizzle Kit's default search path. */
const DEFAULT_SCHEMA = "public";

/** The canonical form of any parse-tree node (a statement, a constraint, an expression). */
export function canonicalNode(node: unknown): string {
  return JSON.stringify(normalise(structuredClone(node)), (key, value: unknown) => {
    if (IGNORED_FIELDS.has(key)) return undefined;
    // A column's constraints in any order: `NOT NULL DEFAULT x` is `DEFAULT x NOT NULL`.
    if (key === "constraints" && Array.isArray(value)) return sortedByCanonicalForm(value);
    // A table, view or sequence reference (`RangeVar`) in the default schema.
    if (key === "schemaname" && value === DEFAULT_SCHEMA) return undefined;
    return value;
  });
}

function sortedByCanonicalForm(items: unknown[]): unknown[] {
  return items
    .map((item) => ({ item, key: canonicalNode(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

/** Rewrites, in place, the parts of a tree that differ between Drizzle Kit versions for the same change. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    value.forEach(normalise);
    return value;
  }
  if (!isObject(value)) return value;
  for (const [key, child] of Object.entries(value)) {
    if (QUALIFIED_NAME_FIELDS.has(key) && isPublicQualified(child)) value[key] = child.slice(1);
    normalise(value[key]);
  }
  const create = objectField(value, "CreateStmt");
  if (create) normaliseCreateTable(create);
  const alter = objectField(value, "AlterTableStmt");
  if (alter) normaliseAlterTable(alter);
  return value;
}

function isPublicQualified(value: unknown): value is unknown[] {
  if (!Array.isArray(value) || value.length < 2) return false;
  const names = nameList(value);
  return names[0] === DEFAULT_SCHEMA && names.every((n) => n !== "");
}

/**
 * A `CREATE TABLE`: column-level primary keys and unique constraints become table constraints (a
 * primary key's `NOT NULL` dropped), default constraint names dropped, constraints sorted.
 */
function normaliseCreateTable(create: AstObject): void {
  const table = stringField(objectField(create, "relation"), "relname") ?? "";
  const columns: unknown[] = [];
  const constraints: AstObject[] = [];
  for (const element of arrayField(create, "tableElts")) {
    const column = nodeOf(element, "ColumnDef");
    if (column) {
      constraints.push(...liftColumnConstraints(column));
      normaliseColumn(column);
      columns.push(element);
      continue;
    }
    const constraint = nodeOf(element, "Constraint");
    if (constraint) constraints.push(withoutDefaultName(table, constraint));
    else columns.push(element);
  }
  const sorted = constraints
    .map((c) => ({ c, key: JSON.stringify(c, (k, v: unknown) => (IGNORED_FIELDS.has(k) ? undefined : v)) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ c }) => ({ Constraint: c }));
  create["tableElts"] = [...columns, ...sorted];

  function liftColumnConstraints(column: AstObject): AstObject[] {
    const name = stringField(column, "colname") ?? "";
    const kinds = arrayField(column, "constraints").map((c) => stringField(nodeOf(c, "Constraint"), "contype"));
    const lifted: AstObject[] = [];
    const kept = arrayField(column, "constraints").filter((c) => {
      const constraint = nodeOf(c, "Constraint");
      const kind = stringField(constraint, "contype");
      if (kind === "CONSTR_NOTNULL" && kinds.includes("CONSTR_PRIMARY")) return false;
      if (constraint && (kind === "CONSTR_PRIMARY" || kind === "CONSTR_UNIQUE")) {
        lifted.push(withoutDefaultName(table, { ...constraint, keys: [{ String: { sval: name } }] }));
        return false;
      }
      return true;
    });
    if (kept.length > 0) column["constraints"] = kept;
    else delete column["constraints"];
    return lifted;
  }
}

/** `ALTER TABLE`: an added column as in `CREATE TABLE`, an added unique constraint without its default name. */
function normaliseAlterTable(alter: AstObject): void {
  const table = stringField(objectField(alter, "relation"), "relname") ?? "";
  for (const item of arrayField(alter, "cmds")) {
    const command = nodeOf(item, "AlterTableCmd");
    const column = nodeOf(command?.["def"], "ColumnDef");
    if (column) {
      const kinds = arrayField(column, "constraints").map((c) => stringField(nodeOf(c, "Constraint"), "contype"));
      if (kinds.includes("CONSTR_PRIMARY"))
        column["constraints"] = arrayField(column, "constraints").filter(
          (c) => stringField(nodeOf(c, "Constraint"), "contype") !== "CONSTR_NOTNULL",
        );
      normaliseColumn(column);
    }
    const constraint = nodeOf(command?.["def"], "Constraint");
    if (command && constraint) command["def"] = { Constraint: withoutDefaultName(table, constraint) };
  }
}

/** A column default cast to the column's own type (`'{}'::text[]` on a `text[]` column) is the bare value. */
function normaliseColumn(column: AstObject): void {
  const type = JSON.stringify(column["typeName"], (k, v: unknown) => (IGNORED_FIELDS.has(k) ? undefined : v));
  for (const c of arrayField(column, "constraints")) {
    const constraint = nodeOf(c, "Constraint");
    const cast = nodeOf(constraint?.["raw_expr"], "TypeCast");
    if (!constraint || stringField(constraint, "contype") !== "CONSTR_DEFAULT" || !cast) continue;
    const castType = JSON.stringify(cast["typeName"], (k, v: unknown) => (IGNORED_FIELDS.has(k) ? undefined : v));
    if (castType === type && unwrap(cast["arg"])?.type === "A_Const") constraint["raw_expr"] = cast["arg"];
  }
}

/**
 * A unique or primary-key constraint without the name Drizzle Kit 0.x gives by default
 * (`<table>_<columns>_unique`, `<table>_<columns>_pk`) or PostgreSQL gives an unnamed one
 * (`<table>_<column>_key`, `<table>_pkey`): 1.0 leaves such names out.
 */
function withoutDefaultName(table: string, constraint: AstObject): AstObject {
  const kind = stringField(constraint, "contype");
  const name = stringField(constraint, "conname");
  if (!name || (kind !== "CONSTR_UNIQUE" && kind !== "CONSTR_PRIMARY")) return constraint;
  const columns = nameList(constraint["keys"]).join("_");
  const defaults =
    kind === "CONSTR_UNIQUE"
      ? [`${table}_${columns}_unique`, `${table}_${columns}_key`]
      : [`${table}_${columns}_pk`, `${table}_pkey`];
  if (!defaults.includes(name)) return constraint;
  const { conname: _dropped, ...rest } = constraint;
  return rest;
}
