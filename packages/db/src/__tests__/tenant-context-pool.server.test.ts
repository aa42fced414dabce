/**
 * The tenant context on a real pool (server only: PGlite is one connection). Nested contexts on
 * the shared database used to take a second connection while holding the first, so as many
 * concurrent requests as the pool has connections waited on each other forever; and a busy pool
 * made every caller wait with no end. Both must now fail fast with a typed error.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDatabase,
  type Database,
  type DatabaseHandle,
  NestedContextError,
  PoolTimeoutError,
  UnsupportedQueryError,
  withTenantContext,
} from "../client.ts";
import * as schema from "../schema/index.ts";
import { member, organization, researchPlan, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
let pool: DatabaseHandle;

beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
  await t.db.insert(organization).values(["org_a", "org_b"].map((id) => ({ id, name: id, slug: id })));
  await t.db.insert(user).values({ id: "u", name: "u", email: "u@example.com" });
  await t.db.insert(member).values([
    { id: "m_a", organizationId: "org_a", userId: "u" },
    { id: "m_b", organizationId: "org_b", userId: "u" },
  ]);
  pool = createDatabase(t.connection, { max: 5, acquireTimeoutMs: 5_000 });
});
afterAll(async () => {
  await pool?.close();
  await t?.close();
});

/** Settles `work`, or reports "still waiting" after `ms`. */
function within<T>(ms: number, work: Promise<T>): Promise<T | "still waiting"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still waiting">((resolve) => (timer = setTimeout(() => resolve("still waiting"), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

describe("a pool of 5", () => {
  it("does not deadlock when 5 concurrent calls each nest a context on the shared database", async () => {
    const calls = Array.from({ length: 5 }, () =>
      withTenantContext(
        "org_a",
        "u",
        async () => {
          // Give every outer call time to hold its connection before any nests.
          await new Promise((resolve) => setTimeout(resolve, 50));
          return withTenantContext("org_b", "u", (inner) => inner.select().from(researchPlan), pool.db).then(
            () => "nested ran",
            (error: unknown) => error,
          );
        },
        pool.db,
      ),
    );
    const outcome = await within(3_000, Promise.all(calls));
    expect(outcome, "the calls waited on each other").not.toBe("still waiting");
    for (const inner of outcome as unknown[]) expect(inner).toBeInstanceOf(NestedContextError);
  });
});

describe("the acquire timeout", () => {
  it("fails a caller that finds no free connection, naming the pool and the wait", async () => {
    const tiny = createDatabase(t.connection, { max: 1, acquireTimeoutMs: 300 });
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holding = withTenantContext(
      "org_a",
      "u",
      () => {
        entered();
        return new Promise<void>((resolve) => (release = resolve));
      },
      tiny.db,
    ).catch((error: unknown) => error);
    try {
      // The one connection is taken (its context entered) before the second caller asks.
      expect(await within(5_000, Promise.race([inside, holding]))).toBeUndefined();
      const started = performance.now();
      const waiting = await within(
        5_000,
        withTenantContext("org_b", "u", async () => "ran", tiny.db).catch((e: unknown) => e),
      );
      expect(waiting).toBeInstanceOf(PoolTimeoutError);
      expect(String((waiting as Error).message)).toMatch(/within 300 ms \(pool of 1, all busy\)/);
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      release();
      expect(await holding).toBeUndefined();
      await tiny.close();
    }
  });
});

describe("what a context runs on", () => {
  it("refuses a Drizzle database over a single pg.Client, which it cannot guard against queries after fn returns", async () => {
    const client = new pg.Client({ connectionString: t.connection.kind === "postgres" ? t.connection.url : "" });
    await client.connect();
    try {
      const single = drizzle(client, { schema }) as unknown as Database;
      await expect(withTenantContext("org_a", "u", async () => "ran", single)).rejects.toMatchObject({
        code: "unsupported-database",
      });
    } finally {
      await client.end();
    }
  });

  it("leaves no path from the tx to the raw pooled connection", async () => {
    const reachable = await withTenantContext(
      "org_a",
      "u",
      async (tx) => {
        // Every value reachable from the tx through properties, as a caller could keep one.
        const seen = new Set<unknown>();
        const pending: unknown[] = [tx];
        while (pending.length > 0) {
          const value = pending.pop();
          if (typeof value !== "object" || value === null || seen.has(value)) continue;
          seen.add(value);
          for (const key of Object.getOwnPropertyNames(value)) {
            try {
              pending.push((value as Record<string, unknown>)[key]);
            } catch {
              // A getter that refuses is not a path.
            }
          }
        }
        return [...seen].filter((value) => value instanceof pg.Client || value instanceof pg.Pool).length;
      },
      pool.db,
    );
    expect(reachable).toBe(0);
  });

  it("hands no submittable the raw connection (pg calls its submit(connection)): refused, nothing sent", async () => {
    const captured: unknown[] = [];
    const viaSubmit = (first: object) =>
      withTenantContext(
        "org_a",
        "u",
        async (tx) => {
          const client = (tx as unknown as { session: { client: { query(...a: unknown[]): Promise<unknown> } } })
            .session.client;
          return Promise.resolve()
            .then(() => client.query(first))
            .then(
              () => "sent",
              (error: unknown) => error,
            );
        },
        pool.db,
      );
    const query = new pg.Query("select 1");
    const submit = query.submit.bind(query);
    query.submit = (connection) => (captured.push(connection), submit(connection));
    // A plain object with submit, and one whose getter says nothing when checked and submit when sent.
    let reads = 0;
    const late = {
      text: "select 1",
      get submit() {
        return reads++ === 0 ? undefined : (connection: unknown) => captured.push(connection);
      },
    };
    for (const first of [query, { text: "select 1", submit: (c: unknown) => captured.push(c) }, late]) {
      const result = await viaSubmit(first);
      expect(result).toBeInstanceOf(UnsupportedQueryError);
      expect((result as UnsupportedQueryError).code).toBe("unsupported-query");
    }
    expect(captured).toEqual([]);
    // Drizzle's own queries still run: SQL text and a config with its values.
    const rows = await withTenantContext("org_a", "u", (tx) => tx.select().from(researchPlan), pool.db);
    expect(rows).toEqual([]);
  });
});
