/**
 * The seeds' idempotent write (`insertMissing`) on a real database of the test project's engine:
 * a row is counted present only when it is the seed's own. A row with the seed's id that belongs
 * to another organization (hidden by RLS, or written as the owner) is a conflict, never "present":
 * counting it would link the tier's later rows to another tenant's. A clash on another unique
 * column is the database's error, not "present".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantJob } from "../../client.ts";
import { organization } from "../../schema/index.ts";
import { researchPlan } from "../../schema/research.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { insertMissing, SeedConflictError } from "../insert-missing.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insert(organization).values([
    { id: "org_seeding", name: "Seeding", slug: "seeding" },
    { id: "org_other", name: "Other", slug: "other" },
  ]);
  await t.db
    .insert(researchPlan)
    .values({ id: "plan_taken", organizationId: "org_other", title: "the other's plan", question: "q" });
});
afterAll(async () => {
  await t?.close();
});

const plan = (id: string) => ({ id, organizationId: "org_seeding", title: "seeded plan", question: "q" });
const asSeedJob = <T>(fn: Parameters<typeof withTenantJob<T>>[2]) =>
  withTenantJob("org_seeding", "seed:test", fn, t.db);

describe("insertMissing", () => {
  it("inserts the missing rows and counts its own rows of an earlier run as present", async () => {
    const first = await asSeedJob((tx) => insertMissing(tx, researchPlan, [plan("plan_one")]));
    expect(first).toMatchObject({ table: "research_plan", inserted: 1, present: 0 });
    const again = await asSeedJob((tx) => insertMissing(tx, researchPlan, [plan("plan_one"), plan("plan_two")]));
    expect(again).toMatchObject({ inserted: 1, present: 1 });
  });

  it("refuses an id another organization's row has (hidden from the tenant), naming the table and the id", async () => {
    const attempt = asSeedJob((tx) => insertMissing(tx, researchPlan, [plan("plan_three"), plan("plan_taken")]));
    await expect(attempt).rejects.toBeInstanceOf(SeedConflictError);
    await expect(attempt).rejects.toThrow(
      "research_plan: 1 row(s) the seed writes exist already as another organization's (plan_taken)",
    );
    // The job's transaction rolled back: plan_three is not there either, the other's plan is untouched.
    const rows = await t.db.select({ id: researchPlan.id, org: researchPlan.organizationId }).from(researchPlan);
    expect(rows.filter((r) => r.id === "plan_three")).toEqual([]);
    expect(rows.find((r) => r.id === "plan_taken")?.org).toBe("org_other");
  });

  it("refuses it written as the owner too, where RLS hides nothing: the row's organization decides", async () => {
    const attempt = t.db.transaction((tx) => insertMissing(tx, researchPlan, [plan("plan_taken")]));
    await expect(attempt).rejects.toBeInstanceOf(SeedConflictError);
  });

  it("lets a clash on another unique column fail as the database reports it, not count it present", async () => {
    const attempt = t.db.transaction((tx) =>
      insertMissing(tx, organization, [{ id: "org_new", name: "New", slug: "other" }]),
    );
    await expect(attempt).rejects.toMatchObject({ cause: { code: "23505" } });
  });
});
