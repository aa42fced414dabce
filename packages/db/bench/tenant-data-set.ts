/**
 * The benchmark's tenant data set: `tenants` organizations with one member each and `rows`
 * `ai_usage` rows spread evenly over them and over 180 days from 2026-01-01, analyzed. Parts 5
 * (tenant queries at scale) and 7 (deploys under load) build the same one.
 */
import type { Driver } from "@repo/migrator";

/** The ids of tenant `n` (1-based): its organization and its one member. */
export function tenant(n: number): { org: string; user: string } {
  return { org: `org_${n}`, user: `user_${n}` };
}

/** The `ai_model` every generated usage row refers to. */
export const BENCH_MODEL = "bench-model";

/** Inserts the data set into a migrated, empty Trovella database; returns how long it took (ms). */
export async function buildTenantDataSet(driver: Driver, size: { rows: number; tenants: number }): Promise<number> {
  const { rows, tenants } = size;
  const started = performance.now();
  await driver.exec(`
    insert into ai_model (id, provider, provider_model_id, display_name) values ('${BENCH_MODEL}', 'anthropic', 'bench', 'Bench');
    insert into organization (id, name, slug) select 'org_' || i, 'Org ' || i, 'org-' || i from generate_series(1, ${tenants}) i;
    insert into "user" (id, name, email) select 'user_' || i, 'User ' || i, 'user' || i || '@example.com' from generate_series(1, ${tenants}) i;
    insert into member (id, organization_id, user_id, role) select 'm_' || i, 'org_' || i, 'user_' || i, 'owner' from generate_series(1, ${tenants}) i;
    insert into ai_usage (id, organization_id, model_id, operation, input_tokens, output_tokens, cost_usd, created_at)
      select 'u_' || n, 'org_' || (n % ${tenants} + 1), '${BENCH_MODEL}', 'research', n % 5000, n % 900,
             ((n % 997) / 1000.0)::numeric(14, 6), timestamptz '2026-01-01' + (n::bigint * 15552000 / ${rows}) * interval '1 second'
        from generate_series(1, ${rows}) n;
    analyze;
  `);
  return performance.now() - started;
}
