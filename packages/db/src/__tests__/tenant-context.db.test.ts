import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { TenantContextError, withTenantContext } from "../client.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insert(organization).values([
    { id: "org_a", name: "A", slug: "a" },
    { id: "org_b", name: "B", slug: "b" },
  ]);
  await t.db.insert(user).values({ id: "user_a", name: "A", email: "a@example.com" });
  await t.db.insert(member).values({ id: "member_a", organizationId: "org_a", userId: "user_a" });
  await t.db.insert(researchPlan).values([
    { id: "plan_a", organizationId: "org_a", title: "A's plan", question: "?" },
    { id: "plan_b", organizationId: "org_b", title: "B's plan", question: "?" },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe("withTenantContext", () => {
  it("shows a tenant only its own rows", async () => {
    const plans = await withTenantContext("org_a", "user_a", (tx) => tx.select().from(researchPlan), t.db);
    expect(plans.map((p) => p.id)).toEqual(["plan_a"]);
  });

  it("runs as authenticated and forgets tenant and role when the transaction ends", async () => {
    const inside = await withTenantContext(
      "org_a",
      "user_a",
      async (tx) => {
        const result = await tx.execute(
          sql`select current_user as role, current_setting('app.tenant_id', true) as tenant,
                     current_setting('app.user_id', true) as "user"`,
        );
        return (result as unknown as { rows: unknown[] }).rows[0];
      },
      t.db,
    );
    expect(inside).toEqual({ role: "authenticated", tenant: "org_a", user: "user_a" });
    const [after] = await t.driver.query<{ role: string; tenant: string | null }>(
      "select current_user as role, nullif(current_setting('app.tenant_id', true), '') as tenant",
    );
    expect(after?.role).not.toBe("authenticated");
    expect(after?.tenant).toBeNull();
  });

  it("cannot update another tenant's row", async () => {
    const updated = await withTenantContext(
      "org_a",
      "user_a",
      (tx) => tx.update(researchPlan).set({ title: "stolen" }).where(eq(researchPlan.id, "plan_b")).returning(),
      t.db,
    );
    expect(updated).toEqual([]);
  });

  it("refuses empty ids before touching the database", async () => {
    await expect(withTenantContext("", "user_a", async () => 1, t.db)).rejects.toBeInstanceOf(TenantContextError);
    await expect(withTenantContext("org_a", " ", async () => 1, t.db)).rejects.toThrow(
      /userId must be a non-empty string/,
    );
  });
});
