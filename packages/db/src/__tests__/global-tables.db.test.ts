import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { withTenantContext } from "../client.ts";
import { organization, user } from "../schema/index.ts";
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
