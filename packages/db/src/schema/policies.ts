import { sql } from "drizzle-orm";
import { pgPolicy } from "drizzle-orm/pg-core";
import { authenticatedRole } from "./roles.ts";

/**
 * The current tenant, read once per statement. The sub-select is mandatory: a bare
 * `current_setting()` in a policy is evaluated for every row. `missing_ok = true` makes an unset
 * tenant NULL, so a statement without a tenant sees and writes nothing instead of erroring on a
 * fresh connection and seeing nothing on a reused one.
 */
export const tenantIdExpr = sql`(SELECT current_setting('app.tenant_id', true))`;

/** The current user, for user-scoped tables such as personal access tokens. */
export const userIdExpr = sql`(SELECT current_setting('app.user_id', true))`;

function scopedPolicies(tableName: string, columnName: string, scopeExpr: typeof tenantIdExpr) {
  const predicate = sql`${sql.identifier(columnName)} = ${scopeExpr}`;
  return [
    pgPolicy(`${tableName}_select`, { for: "select", to: authenticatedRole, using: predicate }),
    pgPolicy(`${tableName}_insert`, { for: "insert", to: authenticatedRole, withCheck: predicate }),
    pgPolicy(`${tableName}_update`, {
      for: "update",
      to: authenticatedRole,
      using: predicate,
      withCheck: predicate,
    }),
    pgPolicy(`${tableName}_delete`, { for: "delete", to: authenticatedRole, using: predicate }),
  ];
}

/**
 * The four permissive policies `<table>_select|_insert|_update|_delete` for the `authenticated`
 * role that confine a tenant table to `app.tenant_id`. UPDATE checks both the old row (USING) and
 * the new one (WITH CHECK), so a row cannot be moved to another organization.
 *
 * @example
 * pgTable("my_table", { id: text("id").primaryKey(), ...tenantColumns },
 *   (t) => [...tenantPolicies("my_table"), index("my_table_organizationId_idx").on(t.organizationId)],
 * ).enableRLS();
 */
export function tenantPolicies(tableName: string, columnName = "organization_id") {
  return scopedPolicies(tableName, columnName, tenantIdExpr);
}

/**
 * The SELECT policy alone, for a tenant table the app roles may only read (RLS_CONFIG's
 * `readOnlyTenantTables`): memberships, which other tables' policies grant rows through. The
 * server writes them as the owner; the migration that makes such a table revokes INSERT, UPDATE
 * and DELETE from `authenticated` (0001 grants them on every table).
 */
export function tenantReadPolicy(tableName: string, columnName = "organization_id") {
  return scopedPolicies(tableName, columnName, tenantIdExpr).slice(0, 1);
}

/** The same four policies, confining a user-owned table to `app.user_id`. */
export function userPolicies(tableName: string, columnName = "user_id") {
  return scopedPolicies(tableName, columnName, userIdExpr);
}
