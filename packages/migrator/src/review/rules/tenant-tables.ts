/** Which tenant tables a migration creates, turns into tenant tables or takes a policy from; the RLS rules check those. */
import { arrayField, nodeOf, objectField, objectNameList, stringField } from "../../sql/ast.ts";
import { tableMove, tableName, tableNameOfList, tableNameOfQualified } from "../object-names.ts";
import type { ParsedMigration, ReviewStatement } from "../../sql/parse-migration.ts";
import type { MigrationContext } from "../rule.ts";

/**
 * Tenant tables this migration made (created, or gave the tenant column), with the statement that
 * did it, plus existing tenant tables that lost their row-level security here (with the DISABLE
 * ROW LEVEL SECURITY) or a policy (with the DROP POLICY).
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
            : undefined
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

/** The first statement that creates or alters the table. */
function statementTouching(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some(
      (unit) =>
        (unit.type === "CreateStmt" || unit.type === "AlterTableStmt") &&
        tableName(objectField(unit.node, "relation")) === table &&
        (unit.type === "CreateStmt" ||
          arrayField(unit.node, "cmds").some(
            (item) => stringField(nodeOf(item, "AlterTableCmd"), "subtype") === "AT_AddColumn",
          )),
    ),
  );
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
