/**
 * Part 5 of `pnpm bench`: tenant queries at scale, on the server. `ai_usage` with 1,000,000 rows
 * over 1,000 organizations (one member each); a tenant's typical queries inside
 * `withTenantContext` (RLS adds `organization_id = (SELECT current_setting('app.tenant_id'))`)
 * against the same queries as the owner with an explicit `WHERE organization_id = $1`:
 * - latest 50 rows, and a month's cost sum, timed as statements (target: RLS ≤ 1.2× the owner's);
 * - the whole call (transaction, settings, membership check, query, discard, commit), reported;
 * - the membership check alone (one indexed lookup on `member`);
 * - the plans, which must use the tenant index (`ai_usage_organizationId_idx`).
 * Every run is appended to `results/tenant-scale.md` (a worse run is never overwritten).
 */
import { appendFile, mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { withTenantContext } from "../src/client.ts";
import { createTestDatabase } from "../src/testing/test-database.ts";
import type { BenchRow } from "./bench-report.ts";
import type { MachineInfo } from "./machine-info.ts";
import { median } from "./timing.ts";

export interface TenantScaleResult {
  rows: number;
  tenants: number;
  samples: number;
  buildMs: number;
  medians: Record<string, number>;
  plans: Record<string, string>;
  usesTenantIndex: Record<string, boolean>;
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
    const build = performance.now();
    await t.driver.exec(`
      insert into ai_model (id, provider, provider_model_id, display_name) values ('bench-model', 'anthropic', 'bench', 'Bench');
      insert into organization (id, name, slug) select 'org_' || i, 'Org ' || i, 'org-' || i from generate_series(1, ${options.tenants}) i;
      insert into "user" (id, name, email) select 'user_' || i, 'User ' || i, 'user' || i || '@example.com' from generate_series(1, ${options.tenants}) i;
      insert into member (id, organization_id, user_id, role) select 'm_' || i, 'org_' || i, 'user_' || i, 'owner' from generate_series(1, ${options.tenants}) i;
      insert into ai_usage (id, organization_id, model_id, operation, input_tokens, output_tokens, cost_usd, created_at)
        select 'u_' || n, 'org_' || (n % ${options.tenants} + 1), 'bench-model', 'research', n % 5000, n % 900,
               ((n % 997) / 1000.0)::numeric(14, 6), timestamptz '2026-01-01' + (n::bigint * 15552000 / ${options.rows}) * interval '1 second'
          from generate_series(1, ${options.rows}) n;
      analyze;
    `);
    const buildMs = performance.now() - build;
    const tenantOf = (i: number) => 1 + ((i * 7919) % options.tenants);
    const samples: Record<string, number[]> = {};
    const add = (key: string, ms: number) => (samples[key] ??= []).push(ms);
    const ownerQuery = async (text: string, params: unknown[]) => {
      const started = performance.now();
      await t.driver.query(text, params);
      return performance.now() - started;
    };
    for (let i = 0; i < options.samples; i += 1) {
      const n = tenantOf(i);
      const org = `org_${n}`;
      const person = `user_${n}`;
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
    const tenant = "org_1";
    const explain = async (key: string, text: string, params: unknown[] = [], asTenant = false) => {
      const statements = asTenant
        ? [
            "begin",
            `select set_config('app.tenant_id', '${tenant}', true), set_config('app.user_id', 'user_1', true)`,
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
    await explain("latest.owner", LATEST_OWNER, [tenant]);
    await explain("month.rls", MONTH, [], true);
    await explain("month.owner", MONTH_OWNER, [tenant]);
    await explain("membership", MEMBERSHIP, [tenant, "user_1"]);
    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v))]));
    return {
      rows: options.rows,
      tenants: options.tenants,
      samples: options.samples,
      buildMs: Math.round(buildMs),
      medians,
      plans,
      usesTenantIndex: Object.fromEntries(
        Object.entries(plans).map(([k, plan]) => [k, /organizationId_idx|member_/.test(plan)]),
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
    const indexed = Boolean(result.usesTenantIndex[`${key}.rls`]);
    return {
      benchmark: `5. ${name} (${scale})`,
      engine: "postgres",
      ours: { label: "withTenantContext (RLS)", medianMs: m[`${key}.rls`] ?? Number.NaN },
      baseline: { label: "owner + WHERE organization_id = $1", medianMs: m[`${key}.owner`] ?? Number.NaN },
      target: "≤ 1.2× and the tenant index",
      result: `${ratio.toFixed(2)}×, ${indexed ? "uses ai_usage_organizationId_idx" : "NO tenant index in the plan"}`,
      met: ratio <= 1.2 && indexed,
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

/** Appends this run to `tenant-scale.md` in `folder` (earlier runs stay); returns the path. */
export async function appendTenantScale(
  folder: string,
  machine: MachineInfo,
  result: TenantScaleResult,
  rows: BenchRow[],
): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, "tenant-scale.md");
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  const lines = [
    "",
    `## ${machine.date} · ${machine.cpuModel} · ${machine.cores} cores · Node ${machine.node} · load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} · ${result.samples} samples, build ${Math.round(result.buildMs / 1000)} s`,
    "",
    "| benchmark | ours (median) | baseline (median) | result | target | met |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.benchmark} | ${r.ours.label}: ${ms(r.ours.medianMs)} | ${r.baseline ? `${r.baseline.label}: ${ms(r.baseline.medianMs)}` : "—"} | ${r.result} | ${r.target} | ${r.met === null ? "—" : r.met ? "yes" : "no"} |`,
    ),
    "",
    ...Object.entries(result.plans).flatMap(([key, plan]) => [`${key}:`, "```", plan, "```"]),
    "",
  ];
  await appendFile(path, `${lines.join("\n")}\n`);
  return path;
}
