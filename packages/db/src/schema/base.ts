import { text, timestamp } from "drizzle-orm/pg-core";
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
