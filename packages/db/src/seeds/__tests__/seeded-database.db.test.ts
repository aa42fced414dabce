import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createAuth } from "../../auth-bootstrap.ts";
import { withTenantJob } from "../../client.ts";
import { schemaTables, schemaTenantTables } from "../../schema-info.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { DEV_ORGANIZATIONS, DEV_PASSWORD } from "../data/development.ts";
import { seedDatabase } from "../seed-database.ts";
import { SEED_TIERS } from "../tiers.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

/** Row count of every table of the schema. */
async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of schemaTables()) {
    const [row] = await t.driver.query<{ n: number }>(`select count(*)::int as n from "${name}"`);
    counts[name] = row?.n ?? -1;
  }
  return counts;
}

describe("each seed tier, run twice", () => {
  for (const tier of SEED_TIERS.map((t) => t.name)) {
    it(`${tier}: the second run inserts nothing and leaves the same rows`, async () => {
      const first = await seedDatabase(t.db, { nodeEnv: "test", only: [tier] });
      const afterFirst = await rowCounts();
      const second = await seedDatabase(t.db, { nodeEnv: "test", only: [tier] });
      expect(await rowCounts()).toEqual(afterFirst);

      const firstTables = first.tiers[0]!.tables;
      expect(firstTables.length).toBeGreaterThan(0);
      for (const table of firstTables) expect(table.inserted, `${tier} inserts into ${table.table}`).toBeGreaterThan(0);
      expect(second.tiers[0]!.tables).toEqual(
        firstTables.map((table) => ({
          table: table.table,
          inserted: 0,
          updated: 0,
          present: table.inserted + table.present,
        })),
      );
    });
  }
});

describe("the seeded database", () => {
  it("bills every AI call at the registry's prices in force when it was made", async () => {
    const rows = await t.driver.query<{ id: string; cost_usd: string; expected: string }>(`
      select u.id, u.cost_usd::text as cost_usd,
             round((u.input_tokens * p.input + u.output_tokens * p.output
                    + u.cache_write_tokens * p.cache_write + u.cache_read_tokens * p.cache_read) / 1000000, 6)::text as expected
        from ai_usage u
        cross join lateral (
          select coalesce(max(price_usd) filter (where pricing_type::text = prefix || 'input'), 0) as input,
                 coalesce(max(price_usd) filter (where pricing_type::text = prefix || 'output'), 0) as output,
                 coalesce(max(price_usd) filter (where pricing_type::text = prefix || 'cache_write'), 0) as cache_write,
                 coalesce(max(price_usd) filter (where pricing_type::text = prefix || 'cache_read'), 0) as cache_read
            from (select distinct on (pricing_type) pricing_type, price_usd,
                         case when u.batch_id is null then '' else 'batch_' end as prefix
                    from ai_model_pricing
                   where model_id = u.model_id and unit = 'per_1m_tokens' and effective_from <= u.created_at
                   order by pricing_type, effective_from desc) in_force
        ) p`);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.cost_usd, row.id).toBe(row.expected);
    expect(rows.some((row) => Number(row.cost_usd) > 0)).toBe(true);
  });

  it("lets the seeded users sign in with the documented password", async () => {
    const signedIn = await createAuth(t.db).api.signInEmail({
      body: { email: "alice@example.com", password: DEV_PASSWORD },
    });
    expect(signedIn.user.email).toBe("alice@example.com");
  });

  it("shows each organization only its own rows in every tenant table", async () => {
    const tenantTables = schemaTenantTables();
    const seededTables = new Set<string>();
    for (const org of DEV_ORGANIZATIONS) {
      for (const table of tenantTables) {
        const [bare] = await t.driver.query<{ mine: number; others: number }>(
          `select count(*) filter (where organization_id = $1)::int as mine, count(*) filter (where organization_id <> $1)::int as others from "${table}"`,
          [org.id],
        );
        const seen = await withTenantJob(
          org.id,
          "seed-isolation-test",
          async (tx) =>
            (await tx.execute(
              sql.raw(`select organization_id, count(*)::int as n from "${table}" group by organization_id`),
            )) as unknown as {
              rows: { organization_id: string; n: number }[];
            },
          t.db,
        );
        const expected = bare!.mine > 0 ? [{ organization_id: org.id, n: bare!.mine }] : [];
        expect(seen.rows, `${org.slug} reading ${table}`).toEqual(expected);
        if (bare!.others > 0 && bare!.mine > 0) seededTables.add(table);
      }
    }
    // The check means something only if several organizations have rows in the same tables.
    expect([...seededTables].sort()).toEqual(
      expect.arrayContaining(["ai_usage", "document_chunk", "member", "research_plan"]),
    );
  });
});
