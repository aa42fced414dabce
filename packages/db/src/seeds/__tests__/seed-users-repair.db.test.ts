/**
 * The development tier's users: a run interrupted between Better Auth's `user` and `account`
 * inserts used to leave a user who could never sign in, and the next run reported success; two
 * runs at once failed with Better Auth's "Failed to create user". Now the next run repairs the
 * account, and concurrent runs (server: several connections) both succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createAuth } from "../../auth-bootstrap.ts";
import { createDatabase } from "../../client.ts";
import { account, user } from "../../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { DEV_PASSWORD } from "../data/development.ts";
import { seedDatabase } from "../seed-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const countsOf = (report: Awaited<ReturnType<typeof seedDatabase>>, table: string) =>
  report.tiers.flatMap((tier) => tier.tables).find((c) => c.table === table);

describe("a user left without its account", () => {
  it("is repaired by the next run and can sign in again", async () => {
    await seedDatabase(t.db, { nodeEnv: "development", only: ["reference", "development"] });
    const [alice] = await t.db.select({ id: user.id }).from(user).where(eq(user.email, "alice@example.com"));
    // What a run killed after Better Auth's user insert left behind.
    await t.db.delete(account).where(eq(account.userId, alice!.id));
    await expect(
      createAuth(t.db).api.signInEmail({ body: { email: "alice@example.com", password: DEV_PASSWORD } }),
    ).rejects.toThrow();

    const again = await seedDatabase(t.db, { nodeEnv: "development", only: ["development"] });
    expect(countsOf(again, "user")).toMatchObject({ inserted: 0, present: 5 });
    expect(countsOf(again, "account")).toMatchObject({ inserted: 1, present: 4 });
    const signedIn = await createAuth(t.db).api.signInEmail({
      body: { email: "alice@example.com", password: DEV_PASSWORD },
    });
    expect(signedIn.user.id).toBe(alice!.id);

    const third = await seedDatabase(t.db, { nodeEnv: "development", only: ["development"] });
    expect(countsOf(third, "account")).toMatchObject({ inserted: 0, present: 5 });
  });
});

// Two runs at once need two connections: the server only.
if (process.env["TEST_DATABASE"] === "postgres") {
  describe("two seed runs at once", () => {
    it("both succeed, and every user has exactly one password account", async () => {
      const fresh = await createTestDatabase();
      const pools = [createDatabase(fresh.connection), createDatabase(fresh.connection)];
      try {
        const runs = await Promise.allSettled(
          pools.map((p) => seedDatabase(p.db, { nodeEnv: "development", only: ["reference", "development"] })),
        );
        expect(runs.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok"]);
        const rows = await fresh.driver.query<{ email: string; accounts: number }>(
          `select u.email, count(a.id)::int as accounts from "user" u left join account a on a.user_id = u.id
            group by u.email order by u.email`,
        );
        expect(rows).toHaveLength(5);
        for (const row of rows) expect(row.accounts, row.email).toBe(1);
      } finally {
        for (const p of pools) await p.close();
        await fresh.close();
      }
    });
  });
}
