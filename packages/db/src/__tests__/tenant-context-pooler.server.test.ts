/**
 * The tenant context through a real transaction-mode pooler (PgBouncer, `pnpm db:server` starts it
 * on 6432; `TEST_PGBOUNCER_URL` points elsewhere). A transaction-mode pooler hands every
 * transaction whichever server connection is free, so anything set on a session outlives the
 * request that set it. 2,000 interleaved `withTenantContext` calls for 20 organizations, through a
 * pool of 5 server connections, must each see only their own organization; the negative control
 * shows a session-level `SET app.tenant_id` does reach another client through the same pooler, so
 * this test would see a context that relied on session state. The test fails (it does not skip)
 * when PgBouncer is not there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createDatabase, type DatabaseHandle, withTenantContext } from "../client.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

const PGBOUNCER_URL = process.env["TEST_PGBOUNCER_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:6432/trovella";
const TENANTS = 20;
const PLANS_PER_TENANT = 3;
const CALLS = 2_000;
const CONCURRENCY = 25;

let t: TestDatabase;
let pooled: DatabaseHandle;
/** The clone's URL with PgBouncer's host and port. */
let bouncerUrl: string;

const org = (i: number) => `org_pool_${i}`;
const person = (i: number) => `user_pool_${i}`;

beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
  if (t.connection.kind !== "postgres") throw new Error("expected a server database");
  const through = new URL(PGBOUNCER_URL);
  const clone = new URL(t.connection.url);
  clone.host = through.host;
  bouncerUrl = clone.toString();
  const ids = Array.from({ length: TENANTS }, (_, i) => i);
  await t.db.insert(organization).values(ids.map((i) => ({ id: org(i), name: org(i), slug: org(i) })));
  await t.db
    .insert(user)
    .values(ids.map((i) => ({ id: person(i), name: person(i), email: `${person(i)}@example.com` })));
  await t.db.insert(member).values(ids.map((i) => ({ id: `m_pool_${i}`, organizationId: org(i), userId: person(i) })));
  await t.db.insert(researchPlan).values(
    ids.flatMap((i) =>
      Array.from({ length: PLANS_PER_TENANT }, (_, k) => ({
        id: `plan_pool_${i}_${k}`,
        organizationId: org(i),
        title: `plan ${k} of ${org(i)}`,
        question: "?",
      })),
    ),
  );
  pooled = createDatabase({ kind: "postgres", url: bouncerUrl }, { max: CONCURRENCY });
});
afterAll(async () => {
  await pooled?.close();
  await t?.close();
});

describe("through PgBouncer in transaction pooling mode", () => {
  it("is PgBouncer, in transaction mode, in front of this database", async () => {
    const client = new pg.Client({ connectionString: bouncerUrl });
    await client.connect().catch((error: unknown) => {
      throw new Error(
        `PgBouncer is not reachable at ${new URL(PGBOUNCER_URL).host} (run pnpm db:server, or set TEST_PGBOUNCER_URL): ${String(error)}`,
      );
    });
    try {
      const [a, b] = [
        await client.query<{ pid: number }>("select pg_backend_pid() as pid"),
        await client.query<{ db: string }>("select current_database() as db"),
      ];
      expect(a.rows[0]?.pid).toBeGreaterThan(0);
      expect(b.rows[0]?.db).toBe(new URL(t.connection.kind === "postgres" ? t.connection.url : "").pathname.slice(1));
    } finally {
      await client.end();
    }
  });

  it("negative control: a session-level SET app.tenant_id reaches another client's transactions", async () => {
    const setter = new pg.Client({ connectionString: bouncerUrl });
    const victim = new pg.Client({ connectionString: bouncerUrl });
    await setter.connect();
    await victim.connect();
    try {
      let seen = 0;
      for (let round = 0; round < 20 && seen === 0; round += 1) {
        await setter.query("set app.tenant_id = 'org_pool_leaked'");
        for (let i = 0; i < 10; i += 1) {
          const result = await victim.query<{ tenant: string | null }>(
            "select current_setting('app.tenant_id', true) as tenant",
          );
          if (result.rows[0]?.tenant === "org_pool_leaked") seen += 1;
        }
      }
      expect(seen, "the pooler never handed the victim the setter's server connection").toBeGreaterThan(0);
    } finally {
      await setter.query("reset app.tenant_id").catch(() => undefined);
      await setter.end();
      await victim.end();
    }
  });

  it(`runs ${CALLS} interleaved withTenantContext calls for ${TENANTS} organizations and finds no row of another`, async () => {
    let next = 0;
    let foreignRows = 0;
    let wrongSetting = 0;
    let calls = 0;
    const backends = new Set<number>();
    async function worker(): Promise<void> {
      while (next < CALLS) {
        const i = next % TENANTS;
        next += 1;
        const seen = await withTenantContext(
          org(i),
          person(i),
          async (tx) => {
            const plans = await tx.select({ org: researchPlan.organizationId }).from(researchPlan);
            const [state] = (
              (await tx.execute(
                sql`select current_setting('app.tenant_id', true) as tenant, pg_backend_pid() as pid`,
              )) as unknown as { rows: { tenant: string; pid: number }[] }
            ).rows;
            // A plain SET inside fn, as careless code would write; it must not reach the next call.
            if (i % 7 === 0) await tx.execute(sql`set app.tenant_id = 'org_pool_planted'`);
            return { plans, state };
          },
          pooled.db,
        );
        calls += 1;
        backends.add(seen.state?.pid ?? 0);
        foreignRows += seen.plans.filter((p) => p.org !== org(i)).length;
        if (seen.state?.tenant !== org(i) || seen.plans.length !== PLANS_PER_TENANT) wrongSetting += 1;
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(calls).toBe(CALLS);
    expect(foreignRows).toBe(0);
    expect(wrongSetting).toBe(0);
    // The calls really shared a few server connections (PgBouncer's pool), not one each.
    expect(backends.size).toBeGreaterThan(1);
    expect(backends.size).toBeLessThanOrEqual(10);
    // Nothing set inside the calls survives on the pooler's connections.
    const after = new pg.Client({ connectionString: bouncerUrl });
    await after.connect();
    try {
      for (let k = 0; k < 10; k += 1) {
        const result = await after.query<{ tenant: string | null }>(
          "select coalesce(current_setting('app.tenant_id', true), '') as tenant",
        );
        expect(result.rows[0]?.tenant).toBe("");
      }
    } finally {
      await after.end();
    }
  });

  it("releases the session advisory locks of calls whose fn threw, on the server connection that holds them", async () => {
    const CALLS_THAT_THROW = 40;
    const firstKey = 770_000 + (process.pid % 1000) * 100;
    const failing = createDatabase({ kind: "postgres", url: bouncerUrl }, { max: 20 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: CALLS_THAT_THROW }, (_, i) =>
        withTenantContext(
          org(i % TENANTS),
          person(i % TENANTS),
          async (tx) => {
            await tx.execute(sql`select pg_advisory_lock(${firstKey + i})`);
            throw new Error("fn failed after taking a session lock");
          },
          failing.db,
        ),
      ),
    );
    await failing.close();
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    const [held] = (
      (await t.db.execute(
        sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid between ${firstKey} and ${firstKey + CALLS_THAT_THROW}`,
      )) as unknown as { rows: { n: number }[] }
    ).rows;
    expect(held?.n).toBe(0);
  });
});
