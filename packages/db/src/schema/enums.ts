import { pgEnum } from "drizzle-orm/pg-core";

/**
 * Kinds of organization. `organization.type` stays a text column because Better Auth manages
 * that table; this enum is the list application code validates against.
 */
export const tenantTypeEnum = pgEnum("tenant_type", ["personal", "family", "company"]);
