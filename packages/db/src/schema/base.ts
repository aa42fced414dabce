import { type AnyPgColumn, foreignKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organization } from "./auth.ts";

export { tenantIdExpr, tenantPolicies, userIdExpr, userPolicies } from "./policies.ts";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .defaultNow()
    .notNull()
    .$onUpdate(() => new Date()),
};

/**
 * Columns of every tenant-scoped table: the owning organization and the two timestamps.
 * Unlike the wiki's helper, `organization_id` references `organization(id)` with ON DELETE
 * CASCADE, so deleting an organization removes its data. Pair with `tenantPolicies()`,
 * `.enableRLS()` and an `<table>_organizationId_idx` index.
 */
export const tenantColumns = {
  organizationId: text("organization_id")
    .notNull()
    .references(() => organization.id, { onDelete: "cascade" }),
  ...timestamps,
};

/** Columns of global (non-tenant) tables: the two timestamps. */
export const baseColumns = { ...timestamps };

/**
 * The key by which other tenant tables reference a tenant table: (organization_id, id), unique.
 * A foreign key to `id` alone is checked past RLS, so one tenant's row could point at another
 * tenant's (db:rls's `cross-tenant-reference`); one to this key keeps both rows in one tenant.
 */
export const tenantKey = (table: string, t: { organizationId: AnyPgColumn; id: AnyPgColumn }) =>
  uniqueIndex(`${table}_tenant_key_idx`).on(t.organizationId, t.id);

/**
 * A foreign key from tenant table `table`'s `column` to another tenant table's `tenantKey`, as
 * (organization_id, column), named `<table>_<column>_tenant_fk`. For ON DELETE SET NULL the
 * generated migration must name the column (`ON DELETE SET NULL ("step_id")`, PostgreSQL 15):
 * Drizzle Kit writes no column list, and the action would set organization_id too.
 */
export const tenantReference = (
  table: string,
  t: { organizationId: AnyPgColumn },
  column: AnyPgColumn,
  target: { organizationId: AnyPgColumn; id: AnyPgColumn },
) =>
  foreignKey({
    name: `${table}_${column.name}_tenant_fk`,
    columns: [t.organizationId, column],
    foreignColumns: [target.organizationId, target.id],
  });
