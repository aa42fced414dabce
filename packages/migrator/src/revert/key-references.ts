/**
 * The unique keys a migration made on a table it found in place (`CREATE UNIQUE INDEX`, `ADD
 * CONSTRAINT … UNIQUE` or `PRIMARY KEY`) that a later migration's foreign key checks against.
 * PostgreSQL ties a foreign key to the unique index or constraint whose columns are exactly the
 * referenced ones (in any order) and refuses to drop it while the foreign key stands, so the
 * revert's drop would fail on every run. The foreign key names none of the key's own objects, only
 * columns that were there before: the conflict check of objects does not see it (reverting 0014,
 * whose `(organization_id, id)` keys 0015's foreign keys reference, is the case in point). A key
 * on a table the migration made is the table's: a later foreign key referencing it blocks the
 * revert already.
 */
import { arrayField, type AstObject, findNodes, nameList, nodeOf, objectField, stringField } from "../sql/ast.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { qualifiedIdent, quoteIdent } from "../sql/quote-ident.ts";
import { qualifiedName } from "../review/object-names.ts";
import type { HistoryMigration, ReplayedHistory } from "./replayed-history.ts";
import type { RevertConflict } from "./revert-error.ts";

/** A unique key: its table (`schema.table`), the object that holds it, and its columns. */
interface UniqueKey {
  table: string;
  kind: "index" | "constraint";
  name: string;
  columns: string[];
  primary: boolean;
}

/** A foreign key of the history: where it is, what it references, and the migration that made it. */
interface ForeignKey {
  label: string;
  references: { table: string; columns: string[] };
  migration: string;
}

/** `schema.table` as SQL names it: `"t"` in public, `"s"."t"` elsewhere. */
function shownTable(qualified: string): string {
  const dot = qualified.indexOf(".");
  return qualifiedIdent(qualified.slice(0, dot), qualified.slice(dot + 1));
}

/** A unique index on plain columns (no expression, no WHERE: PostgreSQL checks a foreign key only against such). */
function uniqueIndexKey(unit: SqlUnit): UniqueKey | undefined {
  const { node } = unit;
  const name = stringField(node, "idxname");
  if (unit.type !== "IndexStmt" || node["unique"] !== true || !name || node["whereClause"] !== undefined)
    return undefined;
  const columns = arrayField(node, "indexParams").map((param) => stringField(nodeOf(param, "IndexElem"), "name"));
  if (columns.some((column) => column === undefined)) return undefined;
  const table = qualifiedName(objectField(node, "relation"));
  return { table, kind: "index", name, columns: columns as string[], primary: false };
}

/** The UNIQUE and PRIMARY KEY constraints an `ALTER TABLE … ADD CONSTRAINT` adds under a name, on the columns it lists. */
function constraintKeys(unit: SqlUnit): UniqueKey[] {
  if (unit.type !== "AlterTableStmt") return [];
  const table = qualifiedName(objectField(unit.node, "relation"));
  return arrayField(unit.node, "cmds").flatMap((item) => {
    const command = nodeOf(item, "AlterTableCmd");
    if (stringField(command, "subtype") !== "AT_AddConstraint") return [];
    const constraint = nodeOf(command?.["def"], "Constraint");
    const type = stringField(constraint, "contype");
    const name = stringField(constraint, "conname");
    const columns = nameList(constraint?.["keys"]);
    if ((type !== "CONSTR_UNIQUE" && type !== "CONSTR_PRIMARY") || !name || columns.length === 0) return [];
    return [{ table, kind: "constraint" as const, name, columns, primary: type === "CONSTR_PRIMARY" }];
  });
}

/**
 * The unique keys `migration` made on tables it did not create that are still there at the end of
 * the history.
 */
function keysMade(migration: HistoryMigration, replayed: ReplayedHistory): UniqueKey[] {
  const names = replayed.state.objectNames();
  const units = parseMigration(migration.tag, migration.file, migration.sql).statements.flatMap((s) => s.units);
  const created = new Set(
    units.filter((unit) => unit.type === "CreateStmt").map((unit) => qualifiedName(objectField(unit.node, "relation"))),
  );
  return units
    .flatMap((unit) => {
      const index = uniqueIndexKey(unit);
      return [...(index ? [index] : []), ...constraintKeys(unit)];
    })
    .filter((key) => !created.has(key.table))
    .filter((key) =>
      key.kind === "index"
        ? names.index(key.table.slice(0, key.table.indexOf(".")), key.name) !== undefined
        : names.constraint(key.table, key.name) !== undefined,
    );
}

/** The foreign key a `Constraint` node declares, when it has no name (the replayed schema keeps only named ones). */
function unnamedForeignKey(constraint: AstObject, migration: string, on: string): ForeignKey | undefined {
  if (stringField(constraint, "contype") !== "CONSTR_FOREIGN" || stringField(constraint, "conname") !== undefined)
    return undefined;
  const references = {
    table: qualifiedName(objectField(constraint, "pktable")),
    columns: nameList(constraint["pk_attrs"]),
  };
  return { label: `a foreign key without a name on ${on}`, references, migration };
}

/**
 * The foreign keys `later` made: the named ones the history still has at its end (one dropped
 * since checks against nothing), and every one without a name, which the replayed schema does not
 * keep (counted whether or not it was dropped since).
 */
function laterForeignKeys(later: readonly HistoryMigration[], replayed: ReplayedHistory): ForeignKey[] {
  const byFile = new Map(later.map((m) => [m.file, m.tag]));
  const named = replayed.state
    .objectNames()
    .foreignKeys()
    .flatMap(({ table, name, origin, references }) => {
      const migration = byFile.get(origin.file);
      if (migration === undefined) return [];
      return [{ label: `foreign key ${quoteIdent(name)} on ${shownTable(table)}`, references, migration }];
    });
  const unnamed = later.flatMap((m) =>
    parseMigration(m.tag, m.file, m.sql).statements.flatMap((statement) =>
      statement.units.flatMap((unit) => {
        const on = shownTable(qualifiedName(objectField(unit.node, "relation")));
        return findNodes(unit.node, "Constraint").flatMap(({ body }) => unnamedForeignKey(body, m.tag, on) ?? []);
      }),
    ),
  );
  return [...named, ...unnamed];
}

/** Whether a foreign key's referenced columns are the key's (a foreign key naming none references the primary key). */
function checksAgainst(foreignKey: ForeignKey, key: UniqueKey): boolean {
  const { table, columns } = foreignKey.references;
  if (table !== key.table) return false;
  if (columns.length === 0) return key.primary;
  return columns.length === key.columns.length && columns.every((column) => key.columns.includes(column));
}

/**
 * The conflicts of reverting `target`: each unique key it made that a foreign key of a `later`
 * migration checks against, on the history `replayed` (the whole of it, `later` included). The
 * parser must be loaded.
 */
export function keyConflicts(
  target: HistoryMigration,
  later: readonly HistoryMigration[],
  replayed: ReplayedHistory,
): RevertConflict[] {
  const keys = keysMade(target, replayed);
  if (keys.length === 0) return [];
  const foreignKeys = laterForeignKeys(later, replayed);
  return keys.flatMap((key) => {
    const object = `${key.kind} ${quoteIdent(key.name)} on ${shownTable(key.table)}`;
    const columns = `(${key.columns.map(quoteIdent).join(", ")})`;
    return foreignKeys
      .filter((foreignKey) => checksAgainst(foreignKey, key))
      .map((foreignKey) => ({
        object,
        migration: foreignKey.migration,
        touches: `has ${foreignKey.label} referencing ${columns} of ${shownTable(key.table)}, which PostgreSQL checks against it: dropping it would fail`,
      }));
  });
}
