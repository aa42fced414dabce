/**
 * The tenant context resolves names under its own `search_path`, whatever path the connection
 * brings: a hostile review passed the membership check of another organization with a view named
 * `member` in a schema the path searched before `public` (one named `authenticated`, found by
 * `"$user"`; one a default path put first), and read that organization's rows. Each case makes the
 * object that would stand in for PostgreSQL's or Trovella's, on the connection the context then
 * uses, on both engines. A database default set with `ALTER DATABASE` is in the server test file
 * of the same name: PGlite never reads such defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SQL, sql } from "drizzle-orm";
import {
  type DatabaseHandle,
  TenantMembershipError,
  type Transaction,
  withTenantContext,
  withTenantJob,
  withUserContext,
} from "../client.ts";
import { researchPlan } from "../schema/index.ts";
import type { TestDatabase } from "../testing/test-database.ts";
import { type TwoTenants, twoTenants } from "../testing/two-tenants.ts";
import { testResources } from "../testing/test-resources.ts";

const resources = testResources();

/** The path every context's transaction runs under. */
const PINNED_PATH = "pg_catalog, public, pg_temp";

let tenants: TwoTenants;
let t: TestDatabase;
/** On the server, a pool of one connection (see {@link TwoTenants}). */
let single: DatabaseHandle;

beforeAll(async () => {
  tenants = await twoTenants(["alice", "bob"]);
  ({ t, single } = tenants);
});
afterAll(async () => {
  await tenants?.close();
});

async function rows<T>(tx: Pick<Transaction, "execute">, query: SQL): Promise<T[]> {
  return ((await tx.execute(query)) as unknown as { rows: T[] }).rows;
}

const planIds = (tx: Transaction) =>
  tx
    .select({ id: researchPlan.id })
    .from(researchPlan)
    .then((found) => found.map((r) => r.id).sort());

/** Runs owner SQL that makes objects, and drops them again after the test. */
async function make(statements: string, undo: string): Promise<void> {
  resources.later(() => t.driver.exec(undo));
  await t.driver.exec(statements);
}

/** A view in `schema` named `member` that makes up a membership of whatever the context asks for. */
const fakeMembership = (schema: string) => `
  create schema ${schema};
  grant usage on schema ${schema} to authenticated;
  create view ${schema}.member with (security_invoker = true) as
    select 'fake'::text as id, current_setting('app.tenant_id', true) as organization_id,
           current_setting('app.user_id', true) as user_id, 'owner'::text as role, now() as created_at;
  grant select on ${schema}.member to authenticated`;

/**
 * Sets the session's search_path on the connection the next context takes (the discards of a
 * context that ran fn reset it, so set it before each call), reset after the test.
 */
async function carrying(path: string): Promise<void> {
  resources.later(async () => {
    await single.db.execute(sql`reset search_path`);
  });
  await single.db.execute(sql.raw(`set search_path = ${path}`));
}

/** The schema of what `member` names for the tenant role under `path`: where an unpinned lookup would go. */
async function memberUnder(path: string): Promise<string | undefined> {
  return t.db.transaction(async (tx) => {
    await tx.execute(sql`set local role authenticated`);
    await tx.execute(sql.raw(`set local search_path = ${path}`));
    const [found] = await rows<{ schema: string }>(
      tx,
      sql`select relnamespace::regnamespace::text as schema from pg_class where oid = to_regclass('member')`,
    );
    return found?.schema;
  });
}

describe("the membership check", () => {
  it('reads public.member, not a view in a schema named like the tenant role ("$user" in PostgreSQL\'s default path)', async () => {
    await make(fakeMembership("authenticated"), "drop schema if exists authenticated cascade");
    // PostgreSQL's default path; PGlite starts its session with `public` alone.
    expect(await memberUnder('"$user", public')).toBe("authenticated");
    await carrying('"$user", public');
    await expect(withTenantContext("org_b", "alice", planIds, single.db)).rejects.toBeInstanceOf(TenantMembershipError);
    await carrying('"$user", public');
    expect(await withTenantContext("org_a", "alice", planIds, single.db)).toEqual(["plan_a"]);
  });

  it("reads public.member, not a view in a schema the connection's path puts first (a database or role default on a server)", async () => {
    await make(fakeMembership("api"), "drop schema if exists api cascade");
    expect(await memberUnder("api, public")).toBe("api");
    await carrying("api, public");
    await expect(withTenantContext("org_b", "alice", planIds, single.db)).rejects.toBeInstanceOf(TenantMembershipError);
    await carrying("api, public");
    expect(await withTenantContext("org_a", "alice", planIds, single.db)).toEqual(["plan_a"]);
  });

  it("reads public.member, not a temporary table of the same name left on the connection", async () => {
    resources.later(async () => {
      await single.db.execute(sql`drop table if exists pg_temp.member`);
    });
    await single.db.execute(
      sql`create temp table member as select 'fake'::text as id, 'org_b'::text as organization_id, 'alice'::text as user_id`,
    );
    await single.db.execute(sql`grant select on pg_temp.member to authenticated`);
    await expect(withTenantContext("org_b", "alice", planIds, single.db)).rejects.toBeInstanceOf(TenantMembershipError);
  });
});

describe("the context's own statements", () => {
  it("switch to the tenant role with pg_catalog's set_config, even when the connection's path puts a schema before pg_catalog", async () => {
    await make(
      `create schema api;
       create function api.set_config(text, text, boolean) returns text language sql as 'select $2'`,
      "drop schema if exists api cascade",
    );
    await carrying("api, pg_catalog, public");
    const seen = await withTenantContext(
      "org_a",
      "alice",
      async (tx) => ({
        role: (await rows<{ role: string }>(tx, sql`select current_user::text as role`))[0]?.role,
        plans: await planIds(tx),
      }),
      single.db,
    );
    expect(seen).toEqual({ role: "authenticated", plans: ["plan_a"] });
  });

  it("release fn's session advisory locks with pg_catalog's function, whatever path fn left", async () => {
    await make(
      `create schema api;
       grant usage on schema api to authenticated;
       create function api.pg_advisory_unlock_all() returns void language sql as 'select'`,
      "drop schema if exists api cascade",
    );
    resources.later(async () => {
      await single.db.execute(sql`select pg_catalog.pg_advisory_unlock_all()`);
    });
    const key = 880_000 + (process.pid % 1000);
    await withTenantContext(
      "org_a",
      "alice",
      async (tx) => {
        await tx.execute(sql`select pg_advisory_lock(${key})`);
        await tx.execute(sql`set search_path = api, pg_catalog, public`);
      },
      single.db,
    );
    const [held] = await rows<{ n: number }>(
      single.db,
      sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${key}`,
    );
    expect(held?.n).toBe(0);
  });
});

describe("the search_path of a context", () => {
  it(`is ${PINNED_PATH} in every kind of context, and the connection's own path comes back after it`, async () => {
    const path = (tx: Transaction) =>
      rows<{ path: string }>(tx, sql`select current_setting('search_path') as path`).then((r) => r[0]?.path);
    const [before] = await rows<{ path: string }>(single.db, sql`select current_setting('search_path') as path`);
    expect({
      tenant: await withTenantContext("org_a", "alice", path, single.db),
      user: await withUserContext("alice", path, single.db),
      job: await withTenantJob("org_a", "search-path-test", path, single.db),
    }).toEqual({ tenant: PINNED_PATH, user: PINNED_PATH, job: PINNED_PATH });
    expect(await rows<{ path: string }>(single.db, sql`select current_setting('search_path') as path`)).toEqual([
      before,
    ]);
  });

  it("names every schema holding a relation, routine or extension the tenant role can use", async () => {
    const [inside] = await withTenantContext(
      "org_a",
      "alice",
      (tx) => rows<{ path: string }>(tx, sql`select current_setting('search_path') as path`),
      single.db,
    );
    const used = await rows<{ schema: string }>(
      t.db,
      sql`select distinct n.nspname as schema
          from pg_namespace n
          where n.nspname not in ('pg_catalog', 'information_schema')
            and (exists (select 1 from pg_class c where c.relnamespace = n.oid
                         and has_table_privilege('authenticated', c.oid, 'select, insert, update, delete'))
                 or exists (select 1 from pg_proc p where p.pronamespace = n.oid
                            and has_function_privilege('authenticated', p.oid, 'execute'))
                 or exists (select 1 from pg_extension e where e.extnamespace = n.oid))
          order by 1`,
    );
    expect(used.map((r) => r.schema)).toEqual(["public"]);
    expect(inside?.path.split(", ")).toEqual(expect.arrayContaining(used.map((r) => r.schema)));
  });

  it("is fn's own for the rest of fn once fn sets one, and pinned again in the next context", async () => {
    const inside = await withTenantContext(
      "org_a",
      "alice",
      async (tx) => {
        await tx.execute(sql`set local search_path = pg_catalog`);
        return rows<{ plan: string | null }>(tx, sql`select to_regclass('research_plan')::text as plan`);
      },
      single.db,
    );
    expect(inside).toEqual([{ plan: null }]);
    expect(await withTenantContext("org_a", "alice", planIds, single.db)).toEqual(["plan_a"]);
  });
});
