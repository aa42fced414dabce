/**
 * The development tier: users who can sign in (created through Better Auth, passwords in the
 * README), organizations of each tenant type, their members and invitations, and personal access
 * tokens. Idempotent without truncating: users are found by email, everything else has a
 * deterministic id, so a second run inserts nothing.
 */
import { inArray } from "drizzle-orm";
import { type SeedTableCount, sumCounts, tableCount } from "@repo/migrator";
import { createAuth } from "../auth-bootstrap.ts";
import { type Database, withTenantJob } from "../client.ts";
import { invitation, member, organization, user } from "../schema/auth.ts";
import {
  DEV_ORGANIZATIONS,
  DEV_PASSWORD,
  DEV_TOKENS,
  DEV_USERS,
  type DevOrganizationSeed,
} from "./data/development.ts";
import { insertMissing } from "./insert-missing.ts";
import { seedPersonalAccessTokens } from "./personal-access-tokens.ts";

/** Seeded invitations expire this long after they are first written. */
const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Signs up the users that do not exist yet, through Better Auth (bare connection: auth bootstrap). */
async function seedUsers(db: Database): Promise<{ counts: SeedTableCount[]; ids: Map<string, string> }> {
  const auth = createAuth(db);
  const emails = DEV_USERS.map((u) => u.email);
  const existing = new Map(
    (await db.select({ id: user.id, email: user.email }).from(user).where(inArray(user.email, emails))).map((u) => [
      u.email,
      u.id,
    ]),
  );
  const users = tableCount("user");
  const accounts = tableCount("account");
  const ids = new Map<string, string>();
  for (const seed of DEV_USERS) {
    const id = existing.get(seed.email);
    if (id) {
      ids.set(seed.key, id);
      users.present += 1;
      accounts.present += 1;
      continue;
    }
    const created = await auth.api.signUpEmail({
      body: { email: seed.email, name: seed.name, password: DEV_PASSWORD },
    });
    ids.set(seed.key, created.user.id);
    users.inserted += 1;
    accounts.inserted += 1;
  }
  return { counts: [users, accounts], ids };
}

/**
 * Organizations are Better Auth's global table (no tenant column, no RLS): written on the bare
 * connection with deterministic ids, like the auth bootstrap would.
 */
async function seedOrganizations(db: Database): Promise<SeedTableCount> {
  return db.transaction((tx) =>
    insertMissing(
      tx,
      organization,
      DEV_ORGANIZATIONS.map((o) => ({ id: o.id, slug: o.slug, name: o.name, type: o.type })),
    ),
  );
}

function requireUser(userIds: ReadonlyMap<string, string>, key: string): string {
  const id = userIds.get(key);
  if (!id) throw new Error(`seeds/data/development.ts: unknown user key "${key}"`);
  return id;
}

function owner(org: DevOrganizationSeed, userIds: ReadonlyMap<string, string>): string {
  const key = Object.entries(org.members).find(([, role]) => role === "owner")?.[0];
  if (!key) throw new Error(`seeds/data/development.ts: organization ${org.slug} has no owner`);
  return requireUser(userIds, key);
}

/**
 * Members and invitations of one organization, written in its tenant context (RLS checks them).
 * Not `withTenantContext`: that one requires the user to be a member already, and these rows are
 * what makes the owner one. The organization's own background entry point acts without a user.
 */
async function seedMembership(
  db: Database,
  org: DevOrganizationSeed,
  userIds: ReadonlyMap<string, string>,
): Promise<SeedTableCount[]> {
  const ownerId = owner(org, userIds);
  return withTenantJob(
    org.id,
    "seed:development",
    async (tx) => [
      await insertMissing(
        tx,
        member,
        Object.entries(org.members).map(([key, role]) => ({
          id: `mem_dev_${org.slug}_${key}`,
          organizationId: org.id,
          userId: requireUser(userIds, key),
          role,
        })),
      ),
      await insertMissing(
        tx,
        invitation,
        org.invitations.map((invite, index) => ({
          id: `inv_dev_${org.slug}_${index + 1}`,
          organizationId: org.id,
          email: invite.email,
          role: invite.role,
          status: invite.status,
          inviterId: ownerId,
          expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS),
        })),
      ),
    ],
    db,
  );
}

/** Runs the development tier; returns counts per table. */
export async function seedDevelopmentData(db: Database): Promise<SeedTableCount[]> {
  const { counts: userCounts, ids } = await seedUsers(db);
  const counts = [...userCounts, await seedOrganizations(db)];
  for (const org of DEV_ORGANIZATIONS) counts.push(...(await seedMembership(db, org, ids)));
  counts.push(...(await seedPersonalAccessTokens(db, DEV_TOKENS, ids)));
  return sumCounts(counts);
}
