/**
 * Finds the development tier's users and organizations in the database, for the tiers that build
 * on them (research, search). Users get their ids from Better Auth, so they are looked up by email.
 */
import { inArray } from "drizzle-orm";
import { SeedError } from "@repo/migrator";
import type { Database } from "../client.ts";
import { organization, user } from "../schema/auth.ts";
import { DEV_ORGANIZATIONS, DEV_USERS } from "./data/development.ts";

export interface DevelopmentIds {
  /** User key (`alice`) → user id. */
  users: Map<string, string>;
  /** Organization slug → organization id. */
  organizations: Map<string, string>;
}

/**
 * Reads the ids with the bare connection (users and organizations are global tables). Throws a
 * `prerequisite-missing` error naming what is absent when the development tier has not run.
 */
export async function loadDevelopmentIds(db: Database, tier: string): Promise<DevelopmentIds> {
  const users = await db
    .select({ id: user.id, email: user.email })
    .from(user)
    .where(
      inArray(
        user.email,
        DEV_USERS.map((u) => u.email),
      ),
    );
  const orgs = await db
    .select({ id: organization.id, slug: organization.slug })
    .from(organization)
    .where(
      inArray(
        organization.id,
        DEV_ORGANIZATIONS.map((o) => o.id),
      ),
    );
  const byEmail = new Map(users.map((u) => [u.email, u.id]));
  const ids: DevelopmentIds = { users: new Map(), organizations: new Map(orgs.map((o) => [o.slug, o.id])) };
  for (const u of DEV_USERS) {
    const id = byEmail.get(u.email);
    if (id) ids.users.set(u.key, id);
  }
  const missing = [
    ...DEV_USERS.filter((u) => !ids.users.has(u.key)).map((u) => `user ${u.email}`),
    ...DEV_ORGANIZATIONS.filter((o) => !ids.organizations.has(o.slug)).map((o) => `organization ${o.slug}`),
  ];
  if (missing.length > 0) {
    throw new SeedError({
      code: "prerequisite-missing",
      tier,
      message: `Tier "${tier}" builds on the development tier's data, which is missing: ${missing.join(", ")}.`,
      fix: "Run pnpm db:seed (or pnpm db:seed --tier development) first.",
    });
  }
  return ids;
}
