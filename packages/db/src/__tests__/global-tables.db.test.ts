import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { withTenantContext, withUserContext } from "../client.ts";
import { member, organization, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

// user and organization have no tenant column but are not open to every tenant: a tenant reads
// its own organization and the users who belong to it (plus the signed-in user); Better Auth
// writes them through the bare connection.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insert(organization).values([
    { id: "org_a", name: "A", slug: "a" },
    { id: "org_b", name: "B", slug: "b" },
  ]);
  await t.db
    .insert(user)
    .values(["u_a", "u_b", "u_ab", "u_none"].map((id) => ({ id, name: id, email: `${id}@example.com` })));
  await t.db.insert(member).values([
    { id: "m1", organizationId: "org_a", userId: "u_a" },
    { id: "m2", organizationId: "org_b", userId: "u_b" },
    { id: "m3", organizationId: "org_a", userId: "u_ab" },
    { id: "m4", organizationId: "org_b", userId: "u_ab" },
  ]);
});
afterAll(async () => {
  await t?.close();
});

const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

describe("the global tables user and organization under RLS", () => {
  it("show a tenant its own organization and its members, never another tenant's users", async () => {
    const seen = await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => ({
        users: ids(await tx.select({ id: user.id }).from(user)),
        organizations: ids(await tx.select({ id: organization.id }).from(organization)),
      }),
      t.db,
    );
    expect(seen).toEqual({ users: ["u_a", "u_ab"], organizations: ["org_a"] });
  });

  it("always show the signed-in user their own row, even outside any organization", async () => {
    const users = await withUserContext("u_none", async (tx) => ids(await tx.select({ id: user.id }).from(user)), t.db);
    expect(users).toEqual(["u_none"]);
    const organizations = await withUserContext(
      "u_none",
      async (tx) => ids(await tx.select({ id: organization.id }).from(organization)),
      t.db,
    );
    expect(organizations).toEqual([]);
  });

  it("cannot be changed by a tenant (Better Auth owns them)", async () => {
    const renamed = await withTenantContext(
      "org_a",
      "u_a",
      (tx) => tx.update(organization).set({ name: "taken" }).where(eq(organization.id, "org_a")).returning(),
      t.db,
    );
    expect(renamed).toEqual([]);
    await expect(
      withTenantContext(
        "org_a",
        "u_a",
        (tx) => tx.insert(user).values({ id: "u_new", name: "new", email: "new@example.com" }),
        t.db,
      ),
    ).rejects.toMatchObject({ cause: { code: "42501", message: expect.stringMatching(/row-level security/) } });
  });
});
