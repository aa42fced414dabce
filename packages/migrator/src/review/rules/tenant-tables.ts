/** Which tenant tables a migration creates or turns into tenant tables; the RLS rules check those. */
import { arrayField, nodeOf, objectField, relationName, stringField } from "../ast.ts";
import type { ParsedMigration, ReviewStatement } from "../parse-migration.ts";
import type { MigrationContext } from "../rule.ts";

/** Tenant tables that are new in this migration (created, or given the tenant column), with the statement that did it. */
export function newTenantTables({ migration, before, after, settings }: MigrationContext): Map<string, ReviewStatement> {
  const tables = new Map<string, ReviewStatement>();
  for (const table of after.tableNames()) {
    if (!after.isTenantTable(table, settings.tenantColumn)) continue;
    if (before.isTenantTable(table, settings.tenantColumn)) continue;
    const statement = statementTouching(migration, table);
    if (statement) tables.set(table, statement);
  }
  return tables;
}

/** The first statement that creates or alters the table. */
function statementTouching(migration: ParsedMigration, table: string): ReviewStatement | undefined {
  return migration.statements.find((statement) =>
    statement.units.some(
      (unit) =>
        (unit.type === "CreateStmt" || unit.type === "AlterTableStmt") &&
        relationName(objectField(unit.node, "relation")) === table &&
        (unit.type === "CreateStmt" ||
          arrayField(unit.node, "cmds").some((item) => stringField(nodeOf(item, "AlterTableCmd"), "subtype") === "AT_AddColumn")),
    ),
  );
}
