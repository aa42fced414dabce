/**
 * The fixture and the reads of `global-tables.db.test.ts`, shared with the upgrade test: two
 * organizations and four users (one in each organization, one in both, one in none), and what a
 * tenant or signed-in user context sees of the global tables `user` and `organization`.
 */
import { type Database, type Transaction, withTenantContext, withUserContext } from "../client.ts";
import { member, organization, user } from "../schema/index.ts";

/** What one context reads: the ids of `user` and `organization`, sorted. */
export interface GlobalTablesView {
  users: string[];
  organizations: string[];
}

/** Inserts org_a, org_b and the users u_a (org_a), u_b (org_b), u_ab (both) and u_none (neither). */
export async function seedGlobalTables(db: Database): Promise<void> {
  await db.insert(organization).values([
    { id: "org_a", name: "A", slug: "a" },
    { id: "org_b", name: "B", slug: "b" },
  ]);
  await db
    .insert(user)
    .values(["u_a", "u_b", "u_ab", "u_none"].map((id) => ({ id, name: id, email: `${id}@example.com` })));
  await db.insert(member).values([
    { id: "m1", organizationId: "org_a", userId: "u_a" },
    { id: "m2", organizationId: "org_b", userId: "u_b" },
    { id: "m3", organizationId: "org_a", userId: "u_ab" },
    { id: "m4", organizationId: "org_b", userId: "u_ab" },
  ]);
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

async function read(tx: Transaction): Promise<GlobalTablesView> {
  return {
    users: ids(await tx.select({ id: user.id }).from(user)),
    organizations: ids(await tx.select({ id: organization.id }).from(organization)),
  };
}

/** What `withTenantContext(tenantId, userId, …)` reads of the global tables. */
export function seenByTenant(db: Database, tenantId: string, userId: string): Promise<GlobalTablesView> {
  return withTenantContext(tenantId, userId, read, db);
}

/** What `withUserContext(userId, …)` (signed in, no organization) reads of the global tables. */
export function seenByUser(db: Database, userId: string): Promise<GlobalTablesView> {
  return withUserContext(userId, read, db);
}
