/**
 * The ways around the tenant context an attacker inside one tenant (or a sloppy caller) would try:
 * a user who is not a member, an unknown user, a nested context, a `tx` kept past the call or used
 * from a timer, and session state (`SET`, temporary tables, cursors) left on the connection for
 * the next request. Each must be refused or undone, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import {
  ContextClosedError,
  createDatabase,
  type Database,
  type DatabaseHandle,
  NestedContextError,
  TenantMembershipError,
  type Transaction,
  UnknownContextSubjectError,
  withTenantContext,
  withTenantJob,
  withUserContext,
  AbortedTransactionError,
} from "../client.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import type { TestDatabase } from "../testing/test-database.ts";
import { type TwoTenants, twoTenants } from "../testing/two-tenants.ts";
import { testResources } from "../testing/test-resources.ts";

const resources = testResources();

let tenants: TwoTenants;
let t: TestDatabase;
/** On the server, a pool of one connection (see {@link TwoTenants}). */
let single: DatabaseHandle;

beforeAll(async () => {
  tenants = await twoTenants(["u_a", "u_b"]);
  ({ t, single } = tenants);
});
afterAll(async () => {
  await tenants?.close();
});

const planIds = (tx: Transaction) =>
  tx
    .select({ id: researchPlan.id })
    .from(researchPlan)
    .then((rows) => rows.map((r) => r.id).sort());

/** The error, or the error Drizzle wrapped (it reports a failed query with the driver's error as cause). */
function rootError(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause ?? error;
}

async function rows<T>(tx: Pick<Transaction, "execute">, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await tx.execute(query)) as unknown as { rows: T[] }).rows;
}

describe("membership", () => {
  it("gives a member the organization's rows", async () => {
    expect(await withTenantContext("org_a", "u_a", planIds, t.db)).toEqual(["plan_a"]);
  });

  it("refuses a user of another organization before fn runs, so it cannot add itself as owner", async () => {
    let ran = false;
    const attempt = withTenantContext(
      "org_a",
      "u_b",
      async (tx) => {
        ran = true;
        await tx.insert(member).values({ id: "m_evil", organizationId: "org_a", userId: "u_b", role: "owner" });
        return planIds(tx);
      },
      t.db,
    );
    await expect(attempt).rejects.toBeInstanceOf(TenantMembershipError);
    await expect(attempt).rejects.toMatchObject({ code: "not-a-member", tenantId: "org_a", userId: "u_b" });
    expect(ran).toBe(false);
    expect(await t.db.$count(member, sql`${member.id} = 'm_evil'`)).toBe(0);
  });

  it("refuses an unknown user id and an unknown organization", async () => {
    await expect(withTenantContext("org_a", "u_ghost", planIds, t.db)).rejects.toBeInstanceOf(TenantMembershipError);
    await expect(withTenantContext("org_ghost", "u_a", planIds, t.db)).rejects.toBeInstanceOf(TenantMembershipError);
    await expect(withUserContext("u_ghost", async () => 1, t.db)).rejects.toMatchObject({ code: "unknown-user" });
  });
});

describe("settings left on the connection outside any context (a session SET through the owner connection, or a pooler's other client)", () => {
  it("do not reach a context: withUserContext has no tenant, withTenantJob no user", async () => {
    const settingsInside = (tx: Transaction) =>
      rows<{ tenant: string; userId: string }>(
        tx,
        sql`select current_setting('app.tenant_id', true) as tenant, current_setting('app.user_id', true) as "userId"`,
      );
    try {
      await single.db.execute(sql`set app.tenant_id = 'org_b'`);
      await single.db.execute(sql`set app.user_id = 'u_b'`);
      const asUser = await withUserContext(
        "u_a",
        async (tx) => ({ plans: await planIds(tx), settings: await settingsInside(tx) }),
        single.db,
      );
      expect(asUser).toEqual({ plans: [], settings: [{ tenant: "", userId: "u_a" }] });
      const asJob = await withTenantJob("org_a", "a-job", settingsInside, single.db);
      expect(asJob).toEqual([{ tenant: "org_a", userId: "" }]);
    } finally {
      await single.db.execute(sql`reset app.tenant_id`);
      await single.db.execute(sql`reset app.user_id`);
    }
  });
});

describe("withTenantJob: background work for an organization, no user", () => {
  it("sees the organization's rows, with no user and the job named", async () => {
    const seen = await withTenantJob(
      "org_b",
      "nightly-rollup",
      async (tx) => ({
        plans: await planIds(tx),
        settings: await rows<{ user: string; job: string; role: string }>(
          tx,
          sql`select current_setting('app.user_id', true) as "user", current_setting('app.job', true) as job, current_user as role`,
        ),
      }),
      t.db,
    );
    expect(seen).toEqual({ plans: ["plan_b"], settings: [{ user: "", job: "nightly-rollup", role: "authenticated" }] });
  });

  it("refuses an organization that does not exist", async () => {
    const attempt = withTenantJob("org_ghost", "import", async () => 1, t.db);
    await expect(attempt).rejects.toBeInstanceOf(UnknownContextSubjectError);
    await expect(attempt).rejects.toMatchObject({ code: "unknown-tenant" });
  });
});

describe("nesting", () => {
  it("refuses a context inside a context, on the tx or on the database, and the outer one stays its tenant", async () => {
    const outcome = await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        const errors = [];
        for (const inner of [
          () => withTenantContext("org_b", "u_b", planIds, tx as unknown as Database),
          () => withTenantContext("org_b", "u_b", planIds, t.db),
          () => withUserContext("u_b", planIds, tx as unknown as Database),
          () => withTenantJob("org_b", "job", planIds, t.db),
        ]) {
          errors.push(
            await inner().then(
              () => "ran",
              (e: unknown) => e,
            ),
          );
        }
        const [after] = await rows<{ tenant: string }>(tx, sql`select current_setting('app.tenant_id') as tenant`);
        return { errors, tenant: after?.tenant, plans: await planIds(tx) };
      },
      t.db,
    );
    for (const error of outcome.errors) expect(error).toBeInstanceOf(NestedContextError);
    expect(outcome.tenant).toBe("org_a");
    expect(outcome.plans).toEqual(["plan_a"]);
  });

  it("refuses an owner transaction passed as the database, which keeps running as the owner", async () => {
    const outcome = await t.db.transaction(async (tx) => {
      const error = await withTenantContext("org_b", "u_b", planIds, tx as unknown as Database).catch((e) => e);
      const [state] = await rows<{ role: string; tenant: string | null }>(
        tx,
        sql`select current_user as role, nullif(current_setting('app.tenant_id', true), '') as tenant`,
      );
      return { error, state };
    });
    expect(outcome.error).toBeInstanceOf(NestedContextError);
    expect(outcome.state?.role).not.toBe("authenticated");
    expect(outcome.state?.tenant).toBeNull();
  });
});

describe("a tx kept past the call", () => {
  it("is unusable afterwards, directly and through a query built inside the call", async () => {
    let kept: Transaction | undefined;
    let built: PromiseLike<unknown> | undefined;
    await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        kept = tx;
        built = tx.select().from(researchPlan);
      },
      t.db,
    );
    expect(() => kept?.select().from(researchPlan)).toThrow(ContextClosedError);
    const error = await Promise.resolve(built).then(() => "ran", rootError);
    expect(error).toBeInstanceOf(ContextClosedError);
  });

  it("fails in a timer started inside fn instead of running as the owner", async () => {
    let fromTimer: Promise<unknown> | undefined;
    await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        fromTimer = new Promise((resolve, reject) =>
          setTimeout(() => {
            try {
              tx.select().from(researchPlan).then(resolve, reject);
            } catch (error) {
              reject(error);
            }
          }, 20),
        );
      },
      t.db,
    );
    expect(await fromTimer?.then(() => "ran", rootError)).toBeInstanceOf(ContextClosedError);
  });

  // A helper fn called without await: its next query is sent while the call cleans up and commits.
  const unawaitedHelper = async (tx: Transaction) => {
    await tx.execute(sql`select 1`);
    return rows<{ who: string; tenant: string; others: number }>(
      tx,
      sql`select current_user::text as who, current_setting('app.tenant_id', true) as tenant,
            (select count(*)::int from research_plan where organization_id <> 'org_a') as others`,
    );
  };
  const unawaitedWrite = async (tx: Transaction) => {
    await tx.execute(sql`select 1`);
    await tx.execute(sql`update research_plan set title = 'overwritten by org_a' where organization_id <> 'org_a'`);
  };
  const titleOfB = async () =>
    (
      (await t.db.execute(sql`select title from research_plan where id = 'plan_b'`)) as unknown as {
        rows: { title: string }[];
      }
    ).rows[0]?.title;

  it("refuses a query sent after fn returned, while the call ends, instead of running it as the owner", async () => {
    let pending: Promise<unknown> | undefined;
    let write: Promise<unknown> | undefined;
    await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        pending = unawaitedHelper(tx).catch(rootError);
        write = unawaitedWrite(tx).catch(rootError);
      },
      single.db,
    );
    expect(await pending).toBeInstanceOf(ContextClosedError);
    expect(await write).toBeInstanceOf(ContextClosedError);
    expect(await titleOfB()).toBe("B's plan");
  });

  it("refuses a query sent after fn threw, while the call rolls back, instead of running it as the owner", async () => {
    let pending: Promise<unknown> | undefined;
    let write: Promise<unknown> | undefined;
    const failed = await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        pending = unawaitedHelper(tx).catch(rootError);
        write = unawaitedWrite(tx).catch(rootError);
        throw new Error("fn failed");
      },
      single.db,
    ).catch((error: unknown) => error);
    expect(String(failed)).toContain("fn failed");
    expect(await pending).toBeInstanceOf(ContextClosedError);
    expect(await write).toBeInstanceOf(ContextClosedError);
    expect(await titleOfB()).toBe("B's plan");
  });

  it("does not stop a context opened later from a timer of an earlier one", async () => {
    const later = await withTenantContext(
      "org_a",
      "u_a",
      async () => new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 0)),
      t.db,
    ).then(() => withTenantContext("org_b", "u_b", planIds, t.db));
    expect(later).toEqual(["plan_b"]);
  });
});

describe("session state left by fn", () => {
  it("is gone when the connection serves the next request", async () => {
    const before = (await single.db.execute(
      sql`select current_setting('statement_timeout') as timeout, current_setting('search_path') as path`,
    )) as unknown as { rows: { timeout: string; path: string }[] };
    await withTenantContext(
      "org_a",
      "u_a",
      async (tx) => {
        await tx.execute(sql`set statement_timeout = 4321`);
        await tx.execute(sql`set search_path = pg_catalog`);
        await tx.execute(sql`set app.tenant_id = 'org_b'`);
        await tx.execute(sql`create temp table research_plan (id text, organization_id text, title text)`);
        await tx.execute(sql`insert into research_plan values ('planted', 'org_b', 'from a temp table')`);
        await tx.execute(sql`declare kept cursor with hold for select id from public.research_plan`);
      },
      single.db,
    );
    const between = (await single.db.execute(
      sql`select current_setting('statement_timeout') as timeout, current_setting('search_path') as path`,
    )) as unknown as { rows: { timeout: string; path: string }[] };
    expect(between.rows).toEqual(before.rows);
    const next = await withTenantContext(
      "org_b",
      "u_b",
      async (tx) => ({
        plans: await planIds(tx),
        settings: await rows<{ timeout: string; path: string }>(
          tx,
          sql`select current_setting('statement_timeout') as timeout, current_setting('search_path') as path`,
        ),
        cursor: await tx
          .transaction((sp) => sp.execute(sql`fetch all from kept`))
          .then(
            () => "fetched",
            () => "no cursor",
          ),
      }),
      single.db,
    );
    expect(next.plans).toEqual(["plan_b"]);
    // Inside a context the search_path is the context's own (tenant-context-search-path.db.test.ts).
    expect(next.settings).toEqual([{ timeout: before.rows[0]?.timeout, path: "pg_catalog, public, pg_temp" }]);
    expect(next.cursor).toBe("no cursor");
    const bare = (await single.db.execute(
      sql`select current_user as role, coalesce(current_setting('app.tenant_id', true), '') as tenant`,
    )) as unknown as { rows: { role: string; tenant: string }[] };
    expect(bare.rows[0]?.role).not.toBe("authenticated");
    expect(bare.rows[0]?.tenant).toBe("");
  });

  it("is gone after a failed call too, and a session-level SET ROLE does not outlive the call", async () => {
    await expect(
      withTenantContext(
        "org_a",
        "u_a",
        async (tx) => {
          await tx.execute(sql`set statement_timeout = 999`);
          await tx.execute(sql`set role authenticated`);
          throw new Error("boom");
        },
        single.db,
      ),
    ).rejects.toThrow("boom");
    await withTenantContext("org_a", "u_a", async (tx) => tx.execute(sql`set role authenticated`), single.db);
    const after = (await single.db.execute(
      sql`select current_user as role, current_setting('statement_timeout') as timeout`,
    )) as unknown as { rows: { role: string; timeout: string }[] };
    expect(after.rows[0]?.role).not.toBe("authenticated");
    expect(after.rows[0]?.timeout).toBe("0");
  });

  it("a SET SESSION AUTHORIZATION (a superuser login can run it) does not outlive the call, after success, a throw or a refused statement", async () => {
    // The app's own handle (createDatabase): an embedded folder, or a pool of one on the server.
    const target = await resources.commandTarget();
    const app = createDatabase(
      target.PGLITE_DATA_DIR !== undefined
        ? { kind: "pglite", dataDir: target.PGLITE_DATA_DIR }
        : { kind: "postgres", url: target.DATABASE_URL! },
      { max: 1 },
    );
    try {
      await app.db.insert(organization).values({ id: "org_a", name: "A", slug: "a" });
      await app.db.insert(user).values({ id: "u_a", name: "u_a", email: "u_a@example.com" });
      await app.db.insert(member).values({ id: "m_a", organizationId: "org_a", userId: "u_a", role: "member" });
      const who = sql`select current_user as role, session_user as login`;
      const [before] = await rows<{ role: string; login: string }>(app.db, who);
      expect(before?.role).not.toBe("authenticated");
      // Only a superuser login can switch (CI's non-superuser pass has none): the switch itself is refused then.
      const [{ superuser } = { superuser: false }] = await rows<{ superuser: boolean }>(
        app.db,
        sql`select rolsuper as superuser from pg_roles where rolname = session_user`,
      );
      // The refused statement first: on a fresh embedded handle its rollback leaves the session user as fn set it.
      for (const fail of ["refused and caught by fn", "refused by the database", "thrown", "no"]) {
        const outcome = await withTenantContext(
          "org_a",
          "u_a",
          async (tx) => {
            await tx.execute(sql`set session authorization authenticated`);
            if (fail === "thrown") throw new Error("boom");
            if (fail === "refused by the database") await tx.execute(sql`select 1/0`);
            if (fail === "refused and caught by fn") await tx.execute(sql`select 1/0`).catch(() => "went on");
            return "returned";
          },
          app.db,
        ).catch((error: unknown) => error);
        if (!superuser) expect(String(outcome)).toMatch(/set session authorization/);
        else if (fail === "no") expect(outcome).toBe("returned");
        else if (fail === "refused and caught by fn") expect(outcome).toBeInstanceOf(AbortedTransactionError);
        else expect(String(outcome)).toMatch(/boom|select 1\/0/);
        expect(await rows(app.db, who), fail).toEqual([before]);
        const next = await withTenantContext("org_a", "u_a", (tx) => rows<{ login: string }>(tx, who), app.db);
        expect(next[0]?.login).toBe(before?.login);
      }
    } finally {
      await app.close();
    }
  });
});
