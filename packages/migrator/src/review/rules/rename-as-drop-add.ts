import { arrayField, findNodes, nameList, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import type { ParsedMigration, ReviewStatement, SqlUnit } from "../../sql/parse-migration.ts";
import { type ColumnType, columnTypeText } from "../../sql/type-name.ts";
import { qualifiedName, tableName } from "../object-names.ts";
import type { MigrationContext, Rule, RuleHit } from "../rule.ts";
import { addedColumns, alterCommands } from "./statement-parts.ts";

/** Statements that move data, where a migration would copy a column before dropping it. */
const DATA_STATEMENTS = new Set(["UpdateStmt", "InsertStmt", "MergeStmt", "SelectStmt", "CreateTableAsStmt"]);

/**
 * A column dropped and another one just like it added on one table in one migration, with nothing
 * copying the data: what Drizzle Kit generates for a rename when its question is answered wrongly.
 */
export const renameAsDropAdd: Rule = {
  id: "rename-as-drop-add",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a column dropped and one with the same type, nullability, default and references added on the same table in one migration, with no data copied (probably a rename)",
  explanation:
    "When a column is renamed in the schema, Drizzle Kit asks whether the new name is a new column or the old one " +
    "renamed; answered wrongly, it generates DROP COLUMN plus ADD COLUMN: the column's data is lost and the new column " +
    "starts empty. A rename Drizzle Kit was told about is `RENAME COLUMN`. The rule reports a dropped column only " +
    "when the migration adds one that a rename would have produced (same type, NOT NULL, default and foreign key " +
    "target) and nothing copies the data: a migration that fills the new column or reads the old one (UPDATE, " +
    "INSERT … SELECT) first, or adds a column that differs, is a deliberate replacement.",
  help: 'Replace the pair with `ALTER TABLE "t" RENAME COLUMN "old" TO "new";` (or keep both and copy the data first).',
  examples: {
    failing: {
      history: ['CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);'],
      sql: 'ALTER TABLE "research_plan" ADD COLUMN "name" text NOT NULL;--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    },
    passing: {
      history: ['CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);'],
      sql: 'ALTER TABLE "research_plan" RENAME COLUMN "title" TO "name";',
    },
  },
  checkMigration(context) {
    const { migration, before } = context;
    const units = migration.statements.flatMap((statement) => statement.units.map((unit) => ({ statement, unit })));
    // ADD COLUMN IF NOT EXISTS of a column the table already has adds nothing.
    const added = units.flatMap(({ unit }) =>
      addedColumns(unit).filter(({ table, column }) => before.columnDefinition(table, column) === undefined),
    );
    const hits: RuleHit[] = [];
    for (const { statement, unit } of units) {
      for (const { table, subtype, command } of alterCommands(unit)) {
        if (subtype !== "AT_DropColumn") continue;
        const column = stringField(command, "name") ?? "";
        const alike = added.filter(
          (a) =>
            a.table === table &&
            a.column !== column &&
            sameAsRenamed(context, unit, column, a.column) &&
            !copiesData(migration, table, column, a.column),
        );
        if (alike.length > 0) hits.push(dropHit(statement, table, column, before.columnType(table, column), alike));
      }
    }
    return hits;
  },
};

/**
 * Whether the added column is what renaming the dropped one would give: the same type, NOT NULL
 * and default (as the dropped column was before, the added one after this migration), and foreign
 * keys to the same tables.
 */
function sameAsRenamed({ before, after }: MigrationContext, unit: SqlUnit, dropped: string, added: string): boolean {
  // The replayed schema names tables by tableName, its foreign keys by the qualified name.
  const relation = objectField(unit.node, "relation");
  const table = tableName(relation);
  const definition = before.columnDefinition(table, dropped);
  if (definition === undefined || definition !== after.columnDefinition(table, added)) return false;
  const qualified = qualifiedName(relation);
  const targets = (state: typeof before, column: string) =>
    state.objectNames().foreignKeyTargets(qualified, column).join();
  return targets(before, dropped) === targets(after, added);
}

function dropHit(
  statement: ReviewStatement,
  table: string,
  column: string,
  type: ColumnType | undefined,
  added: { column: string }[],
): RuleHit {
  return {
    statement,
    message: `"${table}"."${column}" (${type ? columnTypeText(type) : "?"}) is dropped and ${added.map((a) => `"${a.column}"`).join(" or ")}, just like it, added in the same migration, and nothing copies the data: if that is a rename, the column's data is lost`,
  };
}

/**
 * Whether the migration moves the data itself: a data statement reads the dropped column or
 * writes the added one, or a RENAME COLUMN names one of them.
 */
function copiesData(migration: ParsedMigration, table: string, dropped: string, added: string): boolean {
  return migration.statements.some((statement) =>
    statement.units.some(
      (unit) =>
        (DATA_STATEMENTS.has(unit.type) && (readsColumn(unit, dropped) || writesColumn(unit, table, added))) ||
        (unit.type === "RenameStmt" &&
          stringField(unit.node, "renameType") === "OBJECT_COLUMN" &&
          [dropped, added].includes(stringField(unit.node, "subname") ?? "")),
    ),
  );
}

function readsColumn(unit: SqlUnit, column: string): boolean {
  return findNodes(unit.node, "ColumnRef").some(({ body }) => nameList(body["fields"]).at(-1) === column);
}

/** `UPDATE "t" SET "c" = …` or `INSERT INTO "t" ("c", …)`. */
function writesColumn(unit: SqlUnit, table: string, column: string): boolean {
  if (tableName(objectField(unit.node, "relation")) !== table) return false;
  const key = unit.type === "InsertStmt" ? "cols" : "targetList";
  return arrayField(unit.node, key).some((item) => stringField(nodeOf(item, "ResTarget"), "name") === column);
}
