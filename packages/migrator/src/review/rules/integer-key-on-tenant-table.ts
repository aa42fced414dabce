import { arrayField, nameList, nodeOf, objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { declaredColumns, hasConstraint } from "./column-types.ts";
import { isTenantTable } from "./statement-parts.ts";

/** 32- and 16-bit integer types and their serial forms. */
const SMALL_INTEGER_TYPES = new Map([
  ["int4", "integer"],
  ["serial", "serial"],
  ["serial4", "serial"],
  ["int2", "smallint"],
  ["smallserial", "smallserial"],
  ["serial2", "smallserial"],
]);

/** Columns of a CREATE TABLE named in a table-level PRIMARY KEY. */
function tablePrimaryKeyColumns(unit: SqlUnit): Set<string> {
  const columns = new Set<string>();
  for (const element of arrayField(unit.node, "tableElts")) {
    const constraint = nodeOf(element, "Constraint");
    if (stringField(constraint, "contype") !== "CONSTR_PRIMARY") continue;
    for (const key of nameList(constraint?.["keys"])) columns.add(key);
  }
  return columns;
}

/** A 32-bit key on a table that grows with every tenant runs out. */
export const integerKeyOnTenantTable: Rule = {
  id: "integer-key-on-tenant-table",
  defaultSeverity: "warning",
  source: "static",
  summary: "an integer / serial key (primary key, serial or identity column) on a tenant table",
  explanation:
    "A tenant table holds the rows of every tenant in one table, so its keys come from one sequence shared by all of " +
    "them. An integer key stops at 2,147,483,647 (a smallint at 32,767); changing it to bigint later rewrites the " +
    "table and every table whose foreign keys point at it, under ACCESS EXCLUSIVE locks.",
  help: "Use bigint (bigserial, or bigint GENERATED … AS IDENTITY), uuid or text ids on tables that grow with each tenant.",
  examples: {
    failing: {
      sql: 'CREATE TABLE "mcp_tool_call_log" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
    },
    passing: {
      sql: 'CREATE TABLE "mcp_tool_call_log" (\n\t"id" bigserial PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
    },
  },
  checkUnit({ migration, statement, unit, state, settings }) {
    const primaryKey = unit.type === "CreateStmt" ? tablePrimaryKeyColumns(unit) : new Set<string>();
    const table = tableName(objectField(unit.node, "relation"));
    // Without a tenant column the project is not multi-tenant: no table grows per tenant.
    if (!settings.tenantColumn || !isTenantTable(unit, table, state, settings.tenantColumn)) return [];
    return declaredColumns(unit)
      .filter(({ column, type, how, constraints }) => {
        if (how === "retype" || !SMALL_INTEGER_TYPES.has(type)) return false;
        const sequenceFed = type.includes("serial") || hasConstraint(constraints, "CONSTR_IDENTITY");
        return sequenceFed || primaryKey.has(column) || hasConstraint(constraints, "CONSTR_PRIMARY");
      })
      .map(({ column, type, location }) => {
        const name = SMALL_INTEGER_TYPES.get(type) ?? type;
        const limit = name.startsWith("small") ? "32,767" : "2,147,483,647";
        return {
          statement,
          position: unitPosition(migration, unit, location),
          message: `key "${table}"."${column}" is ${name} on the tenant table "${table}": the rows of every tenant draw from one range that ends at ${limit}`,
        };
      });
  },
};
