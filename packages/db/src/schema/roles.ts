import { pgRole } from "drizzle-orm/pg-core";

/**
 * The role every tenant-scoped statement runs as: `withTenantContext` switches to it with
 * `SET LOCAL ROLE authenticated`, so the RLS policies apply. It must never own a table or have
 * BYPASSRLS. Roles are cluster-wide, so migrations create them idempotently (see 0000/0001) and
 * Drizzle Kit is told they already exist.
 */
export const authenticatedRole = pgRole("authenticated").existing();

/** A role for unauthenticated access; it is granted nothing. */
export const anonymousRole = pgRole("anonymous").existing();
