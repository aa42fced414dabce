/**
 * The tenant context under a hostile database default: `ALTER DATABASE … SET search_path = api,
 * public`, with a view `api.member` that makes up a membership of whatever the context asks for,
 * gives every new connection of the database a path that finds it before `public.member`. Here
 * on the server alone: PGlite stores such a default but never applies it (its one session takes
 * its path from its command line), so tenant-context-search-path.db.test.ts sets the same path on
 * the session instead. Directly and through PgBouncer in transaction mode, where the context's
 * transaction-local path must end with each transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { quoteIdent } from "@repo/migrator";
import {
  createDatabase,
  type DatabaseHandle,
  TenantMembershipError,
  type Transaction,
  withTenantContext,
} from "../client.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

const PGBOUNCER_URL = process.env["TEST_PGBOUNCER_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:6432/trovella";

let t: TestDatabase;
/** The clone's URL, on the server and with PgBouncer's host and port. */
let directUrl: string;
let bouncerUrl: string;
const handles: DatabaseHandle[] = [];

beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  const through = new URL(PGBOUNCER_URL);
  directUrl = t.connection.url;
  const clone = new URL(directUrl);
  clone.host = through.host;
  bouncerUrl = clone.toString();
  await t.db.insert(organization).values([
    { id: "org_a", name: "A", slug: "a" },
    { id: "org_b", name: "B", slug: "b" },
  ]);
  await t.db.insert(user).values({ id: "alice", name: "alice", email: "alice@example.com" });
  await t.db.insert(member).values({ id: "m_alice", organizationId: "org_a", userId: "alice", role: "member" });
  await t.db.insert(researchPlan).values([
    { id: "plan_a", organizationId: "org_a", title: "A's plan", question: "?" },
    { id: "plan_b", organizationId: "org_b", title: "B's plan", question: "?" },
  ]);
  const [database] = await t.driver.query<{ name: string }>("select current_database() as name");
  await t.driver.exec(`
    create schema api;
    grant usage on schema api to authenticated;
    create view api.member with (security_invoker = true) as
      select 'fake'::text as id, current_setting('app.tenant_id', true) as organization_id,
             current_setting('app.user_id', true) as user_id, 'owner'::text as role, now() as created_at;
    grant select on api.member to authenticated;
    alter database ${quoteIdent(database?.name ?? "")} set search_path = api, public`);
});
afterAll(async () => {
  for (const handle of handles) await handle.close();
  await t?.close();
});

/** A pool opened now, so its connections start with the database's default. */
function open(url: string): DatabaseHandle {
  const handle = createDatabase({ kind: "postgres", url });
  handles.push(handle);
  return handle;
}

const planIds = (tx: Transaction) =>
  tx
    .select({ id: researchPlan.id })
    .from(researchPlan)
    .then((found) => found.map((r) => r.id).sort());

/** The search_path and what `member` names for the tenant role, on a new session through `url`. */
async function unpinned(url: string): Promise<{ path: string; member: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin; set local role authenticated");
    const result = await client.query<{ path: string; member: string }>(
      `select current_setting('search_path') as path,
              (select relnamespace::regnamespace::text from pg_class where oid = to_regclass('member')) as member`,
    );
    await client.query("rollback");
    return result.rows[0]!;
  } finally {
    await client.end();
  }
}

describe("a database default search_path that finds a fake member view first", () => {
  it("is what a new connection gets, and there member is the fake view", async () => {
    expect(await unpinned(directUrl)).toEqual({
      path: "api, public",
      member: "api",
    });
  });

  it("does not pass the membership check of another organization on a direct connection", async () => {
    const direct = open(directUrl);
    await expect(withTenantContext("org_b", "alice", planIds, direct.db)).rejects.toBeInstanceOf(TenantMembershipError);
    expect(await withTenantContext("org_a", "alice", planIds, direct.db)).toEqual(["plan_a"]);
  });

  it("does not pass it through PgBouncer in transaction mode either, and the pinned path ends with each call", async () => {
    const pooled = open(bouncerUrl);
    for (let round = 0; round < 10; round += 1) {
      await expect(withTenantContext("org_b", "alice", planIds, pooled.db)).rejects.toBeInstanceOf(
        TenantMembershipError,
      );
      expect(await withTenantContext("org_a", "alice", planIds, pooled.db)).toEqual(["plan_a"]);
    }
    expect(await unpinned(bouncerUrl)).toEqual({ path: "api, public", member: "api" });
  });
});
