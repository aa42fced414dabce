/**
 * Part 5 of `pnpm bench`: tenant queries at scale, on the server. `ai_usage` with 1,000,000 rows
 * over 1,000 organizations (one member each); a tenant's typical queries inside
 * `withTenantContext` (RLS adds `organization_id = (SELECT current_setting('app.tenant_id'))`)
 * against the same queries as the owner with an explicit `WHERE organization_id = $1`:
 * - latest 50 rows, and a month's cost sum, timed as statements (target: RLS ≤ 1.2× the owner's);
 * - the whole call (transaction, settings, membership check, query, discard, commit), reported;
 * - the membership check alone (one indexed lookup on `member`);
 * - the plans, which must use a tenant index (one led by `organization_id`: since 0012
 *   `ai_usage_tenant_latest_idx`).
 * The plans go into the run's sections (`runs.md`); runs before that are in `results/tenant-scale.md`.
 */
import { sql } from "drizzle-orm";
import { withTenantContext } from "../src/client.ts";
import { createTestDatabase } from "../src/testing/test-database.ts";
import type { BenchRow, BenchSection } from "./bench-report.ts";
import { buildTenantDataSet, tenant } from "./tenant-data-set.ts";
import { median } from "./timing.ts";

export interface TenantScaleResult {
  rows: number;
  tenants: number;
  samples: number;
  buildMs: number;
  medians: Record<string, number>;
  plans: Record<string, string>;
  /** The tenant index each plan uses (an index led by `organization_id`, or `user_id` on member), or null. */
  tenantIndex: Record<string, string | null>;
}

const LATEST = `select id, created_at, operation, cost_usd from ai_usage order by created_at desc limit 50`;
const LATEST_OWNER = `select id, created_at, operation, cost_usd from ai_usage where organization_id = $1 order by created_at desc limit 50`;
const MONTH = `select coalesce(sum(cost_usd), 0) as cost from ai_usage where created_at >= '2026-03-01' and created_at < '2026-04-01'`;
const MONTH_OWNER = `select coalesce(sum(cost_usd), 0) as cost from ai_usage where organization_id = $1 and created_at >= '2026-03-01' and created_at < '2026-04-01'`;
const MEMBERSHIP = `select 1 from member where organization_id = $1 and user_id = $2 limit 1`;

const round = (value: number) => Math.round(value * 1000) / 1000;

/** Builds the data set, measures, and returns medians (ms) and plans. */
export async function benchTenantScale(options: {
  rows: number;
  tenants: number;
  samples: number;
}): Promise<TenantScaleResult> {
  const t = await createTestDatabase({ engine: "postgres" });
  try {
    const buildMs = await buildTenantDataSet(t.driver, options);
    const tenantOf = (i: number) => 1 + ((i * 7919) % options.tenants);
    const samples: Record<string, number[]> = {};
    const add = (key: string, ms: number) => (samples[key] ??= []).push(ms);
    const ownerQuery = async (text: string, params: unknown[]) => {
      const started = performance.now();
      await t.driver.query(text, params);
      return performance.now() - started;
    };
    for (let i = 0; i < options.samples; i += 1) {
      const { org, user: person } = tenant(tenantOf(i));
      const asOwner = async () => {
        add("latest.owner", await ownerQuery(LATEST_OWNER, [org]));
        add("month.owner", await ownerQuery(MONTH_OWNER, [org]));
      };
      const inContext = async () => {
        const callStarted = performance.now();
        await withTenantContext(
          org,
          person,
          async (tx) => {
            for (const [key, text] of [
              ["latest.rls", LATEST],
              ["month.rls", MONTH],
            ] as const) {
              const started = performance.now();
              await tx.execute(sql.raw(text));
              add(key, performance.now() - started);
            }
            const started = performance.now();
            await tx.execute(sql`select 1 from member where organization_id = ${org} and user_id = ${person} limit 1`);
            add("membership", performance.now() - started);
          },
          t.db,
        );
        add("call.rls (2 queries + membership + setup)", performance.now() - callStarted);
      };
      // Alternate which goes first: the second reads the tenant's pages from a warm cache.
      if (i % 2 === 0) {
        await asOwner();
        await inContext();
      } else {
        await inContext();
        await asOwner();
      }
    }
    const plans: Record<string, string> = {};
    const { org: first, user: firstUser } = tenant(1);
    const explain = async (key: string, text: string, params: unknown[] = [], asTenant = false) => {
      const statements = asTenant
        ? [
            "begin",
            `select set_config('app.tenant_id', '${first}', true), set_config('app.user_id', '${firstUser}', true)`,
            "set local role authenticated",
          ]
        : ["begin"];
      for (const s of statements) await t.driver.exec(s);
      try {
        const rows = await t.driver.query<{ "QUERY PLAN": string }>(`explain ${text}`, params);
        plans[key] = rows.map((r) => r["QUERY PLAN"]).join("\n");
      } finally {
        await t.driver.exec("rollback");
      }
    };
    await explain("latest.rls", LATEST, [], true);
    await explain("latest.owner", LATEST_OWNER, [first]);
    await explain("month.rls", MONTH, [], true);
    await explain("month.owner", MONTH_OWNER, [first]);
    await explain("membership", MEMBERSHIP, [first, firstUser]);
    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v))]));
    // A tenant index is one whose first column is the tenant (or, for member, the user): read from the catalog, not names.
    const tenantIndexes = (
      await t.driver.query<{ name: string }>(
        `select c.relname as name from pg_index i
           join pg_class c on c.oid = i.indexrelid
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
          where i.indrelid in ('ai_usage'::regclass, 'member'::regclass) and a.attname in ('organization_id', 'user_id')`,
      )
    ).map((r) => r.name);
    return {
      rows: options.rows,
      tenants: options.tenants,
      samples: options.samples,
      buildMs: Math.round(buildMs),
      medians,
      plans,
      tenantIndex: Object.fromEntries(
        Object.entries(plans).map(([k, plan]) => [
          k,
          tenantIndexes.find((name) => plan.includes(` ${name} `) || plan.includes(`"${name}"`)) ?? null,
        ]),
      ),
    };
  } finally {
    await t.close();
  }
}

/** The part's rows of the results table. */
export function tenantScaleRows(result: TenantScaleResult): BenchRow[] {
  const m = result.medians;
  const scale = `${result.rows.toLocaleString("en")} rows / ${result.tenants} tenants`;
  const ratioRow = (name: string, key: "latest" | "month"): BenchRow => {
    const ratio = (m[`${key}.rls`] ?? Number.NaN) / (m[`${key}.owner`] ?? Number.NaN);
    const index = result.tenantIndex[`${key}.rls`];
    return {
      benchmark: `5. ${name} (${scale})`,
      engine: "postgres",
      ours: { label: "withTenantContext (RLS)", medianMs: m[`${key}.rls`] ?? Number.NaN },
      baseline: { label: "owner + WHERE organization_id = $1", medianMs: m[`${key}.owner`] ?? Number.NaN },
      target: "≤ 1.2× and a tenant index",
      result: `${ratio.toFixed(2)}×, ${index ? `uses ${index}` : "NO tenant index in the plan"}`,
      met: ratio <= 1.2 && Boolean(index),
    };
  };
  const call = m["call.rls (2 queries + membership + setup)"] ?? Number.NaN;
  const queries = (m["latest.rls"] ?? 0) + (m["month.rls"] ?? 0) + (m["membership"] ?? 0);
  return [
    ratioRow("latest 50 rows", "latest"),
    ratioRow("a month's cost sum", "month"),
    {
      benchmark: "5. membership check (one indexed lookup)",
      engine: "postgres",
      ours: { label: "member lookup", medianMs: m["membership"] ?? Number.NaN },
      target: "report",
      result: `${(((m["membership"] ?? 0) / call) * 100).toFixed(1)}% of a whole call`,
      met: null,
    },
    {
      benchmark: "5. whole withTenantContext call",
      engine: "postgres",
      ours: { label: "call", medianMs: call },
      target: "report",
      result: `${(call - queries).toFixed(2)} ms around the statements (BEGIN, settings, discard, COMMIT)`,
      met: null,
    },
  ];
}

/** The plans, as a section of the run's page. */
export function tenantScaleSection(result: TenantScaleResult): BenchSection {
  return {
    title: `5. plans (${result.samples} samples, data set built in ${Math.round(result.buildMs / 1000)} s)`,
    markdown: Object.entries(result.plans)
      .flatMap(([key, plan]) => [`${key}:`, "```", plan, "```"])
      .join("\n"),
  };
}
