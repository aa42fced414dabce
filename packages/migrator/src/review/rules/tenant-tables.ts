/** Which tenant tables a migration creates, turns into tenant tables or changes the policies of; the RLS rules check those. */
import { type AstObject, arrayField, nodeOf, objectField, objectNameList, stringField } from "../../sql/ast.ts";
import { type Origin, tableMove, tableName, tableNameOfList, tableNameOfQualified } from "../object-names.ts";
import type { ParsedMigration, ReviewStatement, SqlUnit } from "../../sql/parse-migration.ts";
import type { MigrationContext } from "../rule.ts";
import { selectInto } from "../schema-state.ts";

/**
 * Tenant tables this migration made (created, or gave the tenant column), with the statement that
 * did it, plus existing tenant tables that lost their row-level security here (with the DISABLE
 * ROW LEVEL SECURITY), lost a policy (with the DROP POLICY) or had a policy created, altered or
 * renamed (with the first such CREATE or ALTER POLICY).
 */
export function newTenantTables({
  migration,
  before,
  after,
  settings,
}: MigrationContext): Map<string, ReviewStatement> {
  const tables = new Map<string, ReviewStatement>();
  for (const table of after.tableNames()) {
    // A table this migration left alone (the same table in both states) neither became a tenant table nor lost a policy.
    if (after.sharesTable(before, table) || !after.isTenantTable(table, settings.tenantColumn)) continue;
    // A table this migration created is new even where one of its name was there before (dropped,
    // or renamed aside): it starts without row-level security and policies.
    const created = !after.existedBefore(table, migration.file);
    const statement =
      !created && before.isTenantTable(table, settings.tenantColumn)
        ? before.rowLevelSecurity(table) && !after.rowLevelSecurity(table)
          ? rowSecurityOffOn(migration, table)
          : after.policies(table).length < before.policies(table).length
            ? policyDropOn(migration, table)
            : firstPolicyChange(migration, after.policies(table))
        : (statementTouching(migration, table) ?? (created ? renameTo(migration, table) : undefined));
    if (statement) tables.set(table, statement);
  }
  return tables;
}

/** The first ALTER TABLE … DISABLE ROW LEVEL SECURITY of the table. */
function rowSecurityOffOn(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some(
      (unit) =>
        unit.type === "AlterTableStmt" &&
        tableName(objectField(unit.node, "relation")) === table &&
        arrayField(unit.node, "cmds").some(
          (item) => stringField(nodeOf(item, "AlterTableCmd"), "subtype") === "AT_DisableRowSecurity",
        ),
    ),
  );
}

/** The first DROP POLICY on the table. */
function policyDropOn(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some(
      (unit) =>
        unit.type === "DropStmt" &&
        stringField(unit.node, "removeType") === "OBJECT_POLICY" &&
        arrayField(unit.node, "objects").some(
          (object) => tableNameOfList(objectNameList(object).slice(0, -1)) === table,
        ),
    ),
  );
}

/** The first CREATE or ALTER POLICY (or rename) of this migration that left a policy as it is now. */
function firstPolicyChange(migration: ParsedMigration, policies: { origin: Origin }[]): ReviewStatement | undefined {
  return statementAtAny(
    migration,
    policies.map((policy) => policy.origin),
  );
}

/** The statement of the migration that holds the statement at `origin`, if it is in this migration. */
export function statementAt(migration: ParsedMigration, origin: Origin): ReviewStatement | undefined {
  return statementAtAny(migration, [origin]);
}

/** The first statement of the migration holding a statement at one of the origins (one pass over its units). */
function statementAtAny(migration: ParsedMigration, origins: Origin[]): ReviewStatement | undefined {
  const here = new Set(
    origins
      .filter((origin) => origin.file === migration.file)
      .map(({ position }) => `${position.line}:${position.column}`),
  );
  if (here.size === 0) return undefined;
  return migration.statements.find((statement) =>
    statement.units.some((unit) => {
      const { line, column } = migration.positionAt(unit.offset);
      return here.has(`${line}:${column}`);
    }),
  );
}

/** The first statement that creates the table (CREATE TABLE, CREATE TABLE … AS, SELECT … INTO) or adds a column to it. */
function statementTouching(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some(
      (unit) =>
        tableName(createdRelation(unit)) === table ||
        (unit.type === "AlterTableStmt" &&
          tableName(objectField(unit.node, "relation")) === table &&
          arrayField(unit.node, "cmds").some(
            (item) => stringField(nodeOf(item, "AlterTableCmd"), "subtype") === "AT_AddColumn",
          )),
    ),
  );
}

/** The table a CREATE TABLE, CREATE TABLE … AS or SELECT … INTO makes. */
function createdRelation(unit: SqlUnit): AstObject | undefined {
  if (unit.type === "CreateStmt") return objectField(unit.node, "relation");
  if (unit.type === "CreateTableAsStmt") return objectField(objectField(unit.node, "into"), "rel");
  return unit.type === "SelectStmt" ? objectField(selectInto(unit.node), "rel") : undefined;
}

/** The RENAME TO or SET SCHEMA that gave a table created under another name its name. */
function renameTo(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some((unit) => {
      const move = tableMove(unit.type, unit.node);
      return move !== undefined && tableNameOfQualified(move.to) === table;
    }),
  );
}
