import { nameList, objectField, stringField } from "../../sql/ast.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { tableName } from "../object-names.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import type { SchemaState } from "../schema-state.ts";
import { declaredConstraints, isTenantTable } from "./statement-parts.ts";

const TENANT_TABLES = `CREATE TABLE "research_plan" (
\t"id" text PRIMARY KEY NOT NULL,
\t"organization_id" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "research_plan_tenant_key_idx" ON "research_plan" USING btree ("organization_id","id");--> statement-breakpoint
CREATE TABLE "plan_step" (
\t"id" text PRIMARY KEY NOT NULL,
\t"organization_id" text NOT NULL,
\t"plan_id" text NOT NULL
);`;

/**
 * A foreign key between two tenant tables must pair their tenant columns: PostgreSQL checks a key,
 * and runs its ON DELETE action, past RLS.
 */
export const crossTenantForeignKey: Rule = {
  id: "cross-tenant-foreign-key",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a foreign key from one tenant table to another that leaves the tenant column out of its key, or sets it to NULL on delete",
  explanation:
    "PostgreSQL checks a foreign key, and runs its ON DELETE action, as the table's owner: RLS does not apply. A key " +
    "from one tenant table to another on `id` alone lets a tenant point its rows at another tenant's row whose id it " +
    "knows: the insert tells it the id exists, and the other tenant's delete of that row then deletes the pointing " +
    "rows (CASCADE), changes them (SET NULL) or is refused (NO ACTION, RESTRICT), deleting its organization included. " +
    "A key that pairs the tenant columns, (organization_id, plan_id) → (organization_id, id), keeps both rows in one " +
    "tenant. `db:rls` reports such a key in a live database as `cross-tenant-reference`. A paired key's ON DELETE SET " +
    "NULL (or SET DEFAULT) without a column list sets the tenant column too, which Drizzle Kit writes: the delete then " +
    "fails on NOT NULL.",
  help:
    "Give the referenced table a unique (organization_id, id) and reference it: " +
    "`foreignKey({ columns: [t.organizationId, t.planId], foreignColumns: [plan.organizationId, plan.id] })` in the " +
    "table's extra config, then regenerate; for ON DELETE SET NULL add the column to the generated SQL, " +
    '`ON DELETE SET NULL ("plan_id")` (PostgreSQL 15), or the action would set organization_id too.',
  examples: {
    failing: {
      history: [TENANT_TABLES],
      sql: 'ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;',
    },
    passing: {
      history: [TENANT_TABLES],
      sql: 'ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action;',
    },
  },
  checkUnit({ migration, statement, unit, state, settings }) {
    const tenantColumn = settings.tenantColumn;
    // Without a tenant column the project is not multi-tenant: there is no other tenant to point at.
    if (!tenantColumn) return [];
    const hits: RuleHit[] = [];
    for (const { table, constraint, column } of declaredConstraints(unit)) {
      if (stringField(constraint, "contype") !== "CONSTR_FOREIGN") continue;
      const referenced = tableName(objectField(constraint, "pktable"));
      if (!isTenant(unit, table, state, tenantColumn) || !isTenant(unit, referenced, state, tenantColumn)) continue;
      const columns = column ? [column] : nameList(constraint["fk_attrs"]);
      // No column list: the referenced table's primary key, which is not the tenant key.
      const referencedColumns = nameList(constraint["pk_attrs"]);
      const name = stringField(constraint, "conname");
      if (columns.some((c, i) => c === tenantColumn && referencedColumns[i] === tenantColumn)) {
        // Paired: a SET NULL / SET DEFAULT without a column list would set the tenant column too.
        const action = stringField(constraint, "fk_del_action");
        const setColumns = nameList(constraint["fk_del_set_cols"]);
        if ((action === "n" || action === "d") && (setColumns.length === 0 || setColumns.includes(tenantColumn))) {
          const words = action === "n" ? "SET NULL" : "SET DEFAULT";
          hits.push({
            statement,
            position: unitPosition(migration, unit, constraint["location"]),
            message: `foreign key ${name ? `"${name}" ` : ""}"${table}"(${columns.map((c) => `"${c}"`).join(", ")}) → "${referenced}" has ON DELETE ${words} on "${tenantColumn}" too: deleting the referenced row fails where "${tenantColumn}" is NOT NULL, and otherwise takes the row out of every tenant; name the other columns: ON DELETE ${words} (${columns
              .filter((c) => c !== tenantColumn)
              .map((c) => `"${c}"`)
              .join(", ")})`,
          });
        }
        continue;
      }
      hits.push({
        statement,
        position: unitPosition(migration, unit, constraint["location"]),
        message: `foreign key ${name ? `"${name}" ` : ""}"${table}"(${columns.map((c) => `"${c}"`).join(", ")}) → "${referenced}" leaves "${tenantColumn}" out of its key: PostgreSQL checks it past RLS, so a tenant's row can point at another tenant's "${referenced}" row`,
      });
    }
    return hits;
  },
};

/**
 * Whether `table` is a tenant table by `unit` (see `isTenantTable`), counting the columns its
 * CREATE TABLE takes from other tables (PARTITION OF, INHERITS, LIKE).
 */
function isTenant(unit: SqlUnit, table: string, state: SchemaState, tenantColumn: string): boolean {
  if (isTenantTable(unit, table, state, tenantColumn)) return true;
  return (
    unit.type === "CreateStmt" &&
    tableName(objectField(unit.node, "relation")) === table &&
    state.copiedColumns(unit.node).includes(tenantColumn)
  );
}
