/**
 * The development tier: users who can sign in (created through Better Auth, passwords in the
 * README), organizations of each tenant type, their members and invitations, and personal access
 * tokens. Idempotent without truncating: users are found by email, everything else has a
 * deterministic id, so a second run inserts nothing.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { type SeedTableCount, sumCounts, tableCount } from "@repo/migrator";
import { createAuth } from "../auth-bootstrap.ts";
import { type Database, withTenantJob } from "../client.ts";
import { account, invitation, member, organization, user } from "../schema/auth.ts";
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

/** The transaction-level advisory lock that serializes the user step of concurrent seed runs. */
const SEED_USERS_LOCK = 7_411_935_001;

/**
 * Signs up the users that do not exist yet, through Better Auth (bare connection: auth bootstrap),
 * and repairs the ones an interrupted run left without their password account.
 *
 * One transaction for the whole step: a run killed between Better Auth's `user` and `account`
 * inserts leaves neither; it holds an advisory lock, so a second run started at the same time
 * waits and then finds the users present (instead of failing with Better Auth's "Failed to create
 * user" on the unique e-mail). A user without a credential account (left by a run before this
 * one was atomic) gets one with the documented password, so it can sign in again.
 */
async function seedUsers(db: Database): Promise<{ counts: SeedTableCount[]; ids: Map<string, string> }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_USERS_LOCK})`);
    // Better Auth writes through this transaction (its own transactions become savepoints).
    const auth = createAuth(tx as unknown as Database);
    const emails = DEV_USERS.map((u) => u.email);
    const rows = await tx
      .select({ id: user.id, email: user.email, accountId: account.id })
      .from(user)
      .leftJoin(account, and(eq(account.userId, user.id), eq(account.providerId, "credential")))
      .where(inArray(user.email, emails));
    const existing = new Map(rows.map((u) => [u.email, u]));
    const users = tableCount("user");
    const accounts = tableCount("account");
    const ids = new Map<string, string>();
    for (const seed of DEV_USERS) {
      const found = existing.get(seed.email);
      if (found) {
        ids.set(seed.key, found.id);
        users.present += 1;
        if (found.accountId) {
          accounts.present += 1;
          continue;
        }
        const context = await auth.$context;
        await context.internalAdapter.linkAccount({
          userId: found.id,
          providerId: "credential",
          accountId: found.id,
          password: await context.password.hash(DEV_PASSWORD),
        });
        accounts.inserted += 1;
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
  });
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
 * Members and invitations of one organization. Members as the owner, as Better Auth writes them:
 * member is read-only for the tenant role (0013: the user policy shows a tenant's members, so a
 * tenant that wrote member rows would see any user it named). Invitations in the organization's
 * tenant context (RLS checks them); not `withTenantContext`, which requires the user to be a
 * member already: the organization's own background entry point acts without a user.
 */
async function seedMembership(
  db: Database,
  org: DevOrganizationSeed,
  userIds: ReadonlyMap<string, string>,
): Promise<SeedTableCount[]> {
  const ownerId = owner(org, userIds);
  const members = await db.transaction((tx) =>
    insertMissing(
      tx,
      member,
      Object.entries(org.members).map(([key, role]) => ({
        id: `mem_dev_${org.slug}_${key}`,
        organizationId: org.id,
        userId: requireUser(userIds, key),
        role,
      })),
    ),
  );
  const invitations = await withTenantJob(
    org.id,
    "seed:development",
    (tx) =>
      insertMissing(
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
    db,
  );
  return [members, invitations];
}

export async function seedDevelopmentData(db: Database): Promise<SeedTableCount[]> {
  const { counts: userCounts, ids } = await seedUsers(db);
  const counts = [...userCounts, await seedOrganizations(db)];
  for (const org of DEV_ORGANIZATIONS) counts.push(...(await seedMembership(db, org, ids)));
  counts.push(...(await seedPersonalAccessTokens(db, DEV_TOKENS, ids)));
  return sumCounts(counts);
}
