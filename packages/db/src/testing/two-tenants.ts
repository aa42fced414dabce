import { createDatabase, type DatabaseHandle } from "../client.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

/** A test database with two tenants, each with one member and one plan. */
export interface TwoTenants {
  t: TestDatabase;
  /**
   * On the server, a pool of one connection, so what a test leaves on the session is what the next
   * context gets; on PGlite, its one session.
   */
  single: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * Organizations `org_a` and `org_b`, with `members[0]` a member of `org_a` and `members[1]` the
 * owner of `org_b`, and plans `plan_a` and `plan_b`: the tenant-context tests' attacker and victim.
 */
export async function twoTenants(members: [string, string]): Promise<TwoTenants> {
  const t = await createTestDatabase();
  await t.db.insert(organization).values([
    { id: "org_a", name: "A", slug: "a" },
    { id: "org_b", name: "B", slug: "b" },
  ]);
  await t.db.insert(user).values(members.map((id) => ({ id, name: id, email: `${id}@example.com` })));
  await t.db.insert(member).values([
    { id: `m_${members[0]}`, organizationId: "org_a", userId: members[0], role: "member" },
    { id: `m_${members[1]}`, organizationId: "org_b", userId: members[1], role: "owner" },
  ]);
  await t.db.insert(researchPlan).values([
    { id: "plan_a", organizationId: "org_a", title: "A's plan", question: "?" },
    { id: "plan_b", organizationId: "org_b", title: "B's plan", question: "?" },
  ]);
  const single =
    t.engine === "postgres" ? createDatabase(t.connection, { max: 1 }) : { db: t.db, close: async () => {} };
  return {
    t,
    single,
    async close() {
      await single.close();
      await t.close();
    },
  };
}
