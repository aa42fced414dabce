import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { withTenantContext } from "../client.ts";
import { member, organization, user } from "../schema/index.ts";
import { seedGlobalTables, seenByTenant, seenByUser } from "../testing/global-tables.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

// user and organization have no tenant column but are not open to every tenant: a tenant reads
// its own organization and the users who belong to it (plus the signed-in user); Better Auth
// writes them through the bare connection. The fixture and reads are shared with
// history-upgrade.db.test.ts, which checks the same on an upgraded database.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedGlobalTables(t.db);
});
afterAll(async () => {
  await t?.close();
});

describe("the global tables user and organization under RLS", () => {
  it("show a tenant its own organization and its members, never another tenant's users", async () => {
    expect(await seenByTenant(t.db, "org_a", "u_a")).toEqual({ users: ["u_a", "u_ab"], organizations: ["org_a"] });
  });

  it("always show the signed-in user their own row, even outside any organization", async () => {
    expect(await seenByUser(t.db, "u_none")).toEqual({ users: ["u_none"], organizations: [] });
  });

  it("never show a tenant another organization's user by way of a membership the tenant writes", async () => {
    // The user policy shows the members of the tenant: a member row for u_b (org_b only), added
    // or moved there by a tenant statement, would show u_b to org_a. member is read-only for it.
    const addMember = withTenantContext(
      "org_a",
      "u_a",
      (tx) => tx.insert(member).values({ id: "m_forged", organizationId: "org_a", userId: "u_b" }),
      t.db,
    );
    await expect(addMember).rejects.toMatchObject({ cause: { code: "42501" } });
    const moveMember = withTenantContext(
      "org_a",
      "u_a",
      (tx) => tx.update(member).set({ userId: "u_b" }).where(eq(member.id, "m3")).returning(),
      t.db,
    );
    await expect(moveMember).rejects.toMatchObject({ cause: { code: "42501" } });
    expect(await seenByTenant(t.db, "org_a", "u_a")).toEqual({ users: ["u_a", "u_ab"], organizations: ["org_a"] });
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
