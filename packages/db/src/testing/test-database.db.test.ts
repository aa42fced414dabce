import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withRollback } from "@repo/migrator/testing";
import { NestedContextError, withTenantContext } from "../client.ts";
import { organization, researchPlan } from "../schema/index.ts";
import { openPglite } from "../connection.ts";
import { createTestDatabase, createTestDataDir, type TestDatabase, testEngine } from "./test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

describe("createTestDatabase", () => {
  it("clones a database that has the whole history, on the engine of the test project", async () => {
    expect(t.engine).toBe(process.env["TEST_DATABASE"] ?? "pglite");
    const [row] = await t.driver.query<{ count: number }>(
      "select count(*)::int as count from drizzle.__drizzle_migrations",
    );
    expect(row?.count).toBeGreaterThan(0);
  });

  it("gives an empty database with migrate: false", async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      const tables = await empty.driver.query("select tablename from pg_tables where schemaname = 'public'");
      expect(tables).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});

// What only the embedded database has: how it starts.
if (testEngine() === "pglite") {
  describe("openPglite", () => {
    it("starts with a 32 MB buffer pool, set on the command line: the data directory's settings are untouched", async () => {
      const folder = await createTestDataDir();
      try {
        const conf = join(folder.dataDir, "postgresql.conf");
        const before = readFileSync(conf, "utf8");
        const db = await openPglite(folder.dataDir);
        try {
          const { rows } = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
          expect(rows[0]?.shared_buffers).toBe("32MB");
        } finally {
          await db.close();
        }
        expect(readFileSync(conf, "utf8")).toBe(before);
      } finally {
        await folder.remove();
      }
    });
  });
}

describe("withRollback over Drizzle", () => {
  it("sees its own writes, then leaves the database as it was", async () => {
    const inside = await withRollback(t.db, async (tx) => {
      await tx.insert(organization).values({ id: "org_rb", name: "Rollback", slug: "rollback" });
      await tx.insert(researchPlan).values({ id: "plan_rb", organizationId: "org_rb", title: "t", question: "?" });
      return tx.$count(researchPlan);
    });
    expect(inside).toBe(1);
    expect(await t.db.$count(organization)).toBe(0);
    expect(await t.db.$count(researchPlan)).toBe(0);
  });

  it("refuses withTenantContext on its transaction (contexts open their own), and rolls back", async () => {
    const refused = await withRollback(t.db, async (tx) => {
      await tx.insert(organization).values({ id: "org_x", name: "X", slug: "x" });
      await tx.insert(researchPlan).values({ id: "plan_x", organizationId: "org_x", title: "x", question: "?" });
      return withTenantContext("org_x", "user_x", (inner) => inner.select().from(researchPlan), tx).catch((e) => e);
    });
    expect(refused).toBeInstanceOf(NestedContextError);
    expect(await t.db.$count(researchPlan)).toBe(0);
  });
});
