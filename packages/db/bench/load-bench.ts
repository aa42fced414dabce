/**
 * Part 7 of `pnpm bench`: a deploy under load, on the server (127.0.0.1 only). A bounded load
 * generator (default 20 s, 8 clients) runs tenant reads and writes on a 1,000,000-row `ai_usage`
 * through `withTenantContext`; meanwhile a long app transaction holds ACCESS SHARE on `ai_usage`
 * (it read from it and stays open), and a migration that needs ACCESS EXCLUSIVE on `ai_usage`
 * (`ADD COLUMN`, appended to a scratch copy of the history) is deployed as a real process: once with
 * `db:migrate`, once with `drizzle-kit migrate`, each on its own copy of the same database. The
 * holder commits after a fixed time (8 s by default), so a deploy can complete.
 *
 * While the migration waits for its lock, every later query on `ai_usage` queues behind it. Our
 * runner gives up after `lock_timeout` and retries with backoff; Drizzle's migrator waits as long as
 * the holder does. Target: with `db:migrate`, no app call takes longer than the runner's
 * `lock_timeout` plus 100 ms and nothing fails, and the deploy completes once the holder commits.
 *
 * Timeline, as fractions of the run: the holder takes its lock at 10%, the deploy starts at 15%
 * (once the holder holds the lock), the holder commits `hold` later; the load goes on to the end of
 * the run or one second past the deploy's end, whichever is later. A deploy still running a minute
 * after the run's end is stopped (SIGTERM) and reported as not completed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { stripVTControlCharacters } from "node:util";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { openPostgresDriver } from "@repo/migrator";
// The runner's own default, read where it is defined (the public API does not export it).
import { DEFAULT_SESSION_OPTIONS } from "../../migrator/src/runner/session-options.ts";
import { type Database, withTenantContext } from "../src/client.ts";
import * as schema from "../src/schema/index.ts";
import { scratchMigrations } from "../src/testing/scratch-migrations.ts";
import { migrateTemplate, TEST_SERVER_URL } from "../src/testing/test-database.ts";
import type { BenchRow, BenchSection } from "./bench-report.ts";
import { drizzleKitMigrateCommand, ourMigrateCommand, startProcess } from "./package-commands.ts";
import { currentLoad } from "./machine-info.ts";
import { createServerDatabase } from "./server-database.ts";
import { BENCH_MODEL, buildTenantDataSet, tenant } from "./tenant-data-set.ts";
import { percentile } from "./timing.ts";

export interface LoadOptions {
  /** `ai_usage` rows. */
  rows: number;
  tenants: number;
  /** Length of the run (the load goes on past it until the deploy ended). */
  seconds: number;
  /** Concurrent app clients, each with its own pooled connection. */
  clients: number;
}

/** The longest the holder holds its lock. */
const HOLD_MS = 8_000;
/** A client's pause between two calls: the load is steady, not a CPU saturation test. */
const THINK_MS = 20;
/** How long a deploy may run past the end of the run before it is stopped. */
const DEPLOY_GRACE_MS = 60_000;
/** The column the deployed migration adds: a catalog-only change, but it needs ACCESS EXCLUSIVE. */
const COLUMN = "load_bench_note";
const MIGRATION_SQL = `ALTER TABLE "ai_usage" ADD COLUMN "${COLUMN}" text;\n`;

const LATEST = sql.raw(`select id, created_at, operation, cost_usd from ai_usage order by created_at desc limit 50`);

type Tool = "db:migrate" | "drizzle-kit migrate";
const TOOLS: readonly Tool[] = ["db:migrate", "drizzle-kit migrate"];

/** One app call: when it started (ms since the clock started), how long it took, whether it failed. */
interface Call {
  at: number;
  ms: number;
  kind: "read" | "write";
  error?: string;
}

/** App latency of a set of calls (ms; every call counts, failed ones included). */
export interface LatencyStats {
  calls: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  /** Failed calls by error message. */
  errors: Record<string, number>;
  /** Calls longer than the target's bound. */
  overBound: number;
}

/** One deploy under load. Times are ms since the load's clock started. */
export interface DeployRun {
  tool: Tool;
  timeline: {
    holderLocked: number;
    holderCommitted: number;
    deployStarted: number;
    deployEnded: number;
    loadEnded: number;
  };
  deploy: {
    completed: boolean;
    exitCode: number | null;
    signal: string | null;
    wallMs: number;
    /** From the holder's COMMIT to the deploy's exit; negative if it ended before. */
    afterHolderMs: number;
    /** `lock_timeout` retries the runner reported (db:migrate only). */
    retries: number;
    /** The end of its output (password removed). */
    output: string;
  };
  /** Calls that ended before the holder took its lock: the app's normal latency. */
  before: LatencyStats;
  /** Calls that overlapped the deploy (from starting its process to its exit). */
  during: LatencyStats;
  totalCalls: number;
  /** Per second of the run: calls started, the slowest of them, failures. */
  perSecond: Array<{ calls: number; maxMs: number; failed: number }>;
  loadAverage: number[];
}

export interface LoadBenchResult {
  rows: number;
  tenants: number;
  clients: number;
  seconds: number;
  holdMs: number;
  thinkMs: number;
  /** The runner's default `lock_timeout` (the deploy runs with the defaults). */
  lockTimeoutMs: number;
  boundMs: number;
  buildMs: number;
  migration: string;
  runs: DeployRun[];
}

const round = (value: number) => Math.round(value * 10) / 10;

/** How long the holder holds its lock in a run of `seconds`: 8 s, or 40% of a shorter run. */
const holdFor = (seconds: number) => Math.min(HOLD_MS, Math.round(0.4 * seconds * 1000));

/** A Drizzle database over a pool of `max` connections, as the app would have (owner connection; contexts switch role). */
function appDatabase(url: string, max: number): { db: Database; close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => undefined);
  return { db: drizzle(pool, { schema }) as unknown as Database, close: () => pool.end() };
}

/** One app call: a tenant's latest 50 usage rows (3 of 4 calls) or a new usage row. */
function appCall(db: Database, client: number, i: number, tenants: number): Promise<unknown> {
  const { org, user } = tenant(1 + ((client * 7919 + i * 104_729) % tenants));
  return withTenantContext(
    org,
    user,
    (tx) =>
      i % 4 === 3
        ? tx.execute(sql`insert into ai_usage (id, organization_id, user_id, model_id, operation, input_tokens, output_tokens, cost_usd)
            values (${`load_${client}_${i}`}, ${org}, ${user}, ${BENCH_MODEL}, 'load', 10, 5, 0.001)`)
        : tx.execute(LATEST),
    db,
  );
}

function latency(calls: readonly Call[], boundMs: number): LatencyStats {
  const times = calls.map((c) => c.ms);
  const errors: Record<string, number> = {};
  for (const call of calls) if (call.error) errors[call.error] = (errors[call.error] ?? 0) + 1;
  return {
    calls: calls.length,
    p50: round(percentile(times, 50)),
    p99: round(percentile(times, 99)),
    max: round(times.length > 0 ? Math.max(...times) : Number.NaN),
    failed: calls.filter((c) => c.error).length,
    errors,
    overBound: times.filter((t) => t > boundMs).length,
  };
}

/** A terminal's "erase the line" (drizzle-kit redraws a spinner in place with it). */
const ERASE_LINE = "\u001b[2K";

/** The output's end as a terminal would show it (each line's last redraw), without the server's password. */
function tail(text: string, url: string): string {
  const password = decodeURIComponent(new URL(url).password);
  const scrubbed = password ? text.split(password).join("***") : text;
  const shown = scrubbed.split("\n").map((line) => stripVTControlCharacters(line.split(ERASE_LINE).at(-1) ?? ""));
  return shown.join("\n").trim().slice(-800);
}

/** Deploys the scratch folder's new migration with `tool` while the load runs; the database is a fresh copy. */
async function deployUnderLoad(
  tool: Tool,
  url: string,
  folder: string,
  options: LoadOptions,
  boundMs: number,
): Promise<DeployRun> {
  const runMs = options.seconds * 1000;
  const holdMs = holdFor(options.seconds);
  const app = appDatabase(url, options.clients);
  const holderDb = appDatabase(url, 1);
  const calls: Call[] = [];
  let stop = false;
  let clients: Array<Promise<void>> = [];
  try {
    // Open every connection and read each client's first pages before the clock starts.
    await Promise.all(Array.from({ length: options.clients }, (_, c) => appCall(app.db, c, 0, options.tenants)));
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    clients = Array.from({ length: options.clients }, async (_, c) => {
      for (let i = 1; !stop; i++) {
        const at = now();
        const call: Call = { at, ms: 0, kind: i % 4 === 3 ? "write" : "read" };
        try {
          await appCall(app.db, c, i, options.tenants);
        } catch (error) {
          call.error = error instanceof Error ? error.message : String(error);
        }
        call.ms = now() - at;
        calls.push(call);
        await sleep(THINK_MS);
      }
    });

    await sleep(0.1 * runMs - now());
    const holderTenant = tenant(1);
    let holderLocked = Number.NaN;
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // A long app transaction (a report): it read ai_usage, so it holds ACCESS SHARE until it commits.
    const holder = withTenantContext(
      holderTenant.org,
      holderTenant.user,
      async (tx) => {
        await tx.execute(sql`select count(*) from ai_usage`);
        holderLocked = now();
        locked();
        await sleep(holdMs);
      },
      holderDb.db,
    ).then(now);
    await Promise.race([lockTaken, holder]);

    await sleep(0.15 * runMs - now());
    const [program, args] = tool === "db:migrate" ? ourMigrateCommand(folder) : drizzleKitMigrateCommand(folder);
    const deployStarted = now();
    const deploy = startProcess(program, args, { DATABASE_URL: url });
    const deadline = setTimeout(() => deploy.kill(), runMs + DEPLOY_GRACE_MS - deployStarted);
    const ended = await deploy.done.finally(() => clearTimeout(deadline));
    const deployEnded = now();
    const loadAverage = currentLoad();
    const holderCommitted = await holder;
    await sleep(Math.max(runMs, deployEnded + 1000) - now());
    stop = true;
    await Promise.all(clients);
    const loadEnded = now();

    const check = await openPostgresDriver(url);
    const [column] = await check
      .query<{ n: number }>(
        "select count(*)::int as n from information_schema.columns where table_name = 'ai_usage' and column_name = $1",
        [COLUMN],
      )
      .finally(() => check.close());
    const output = `${ended.stdout}\n${ended.stderr}`;
    const lastStart = Math.max(0, ...calls.map((c) => c.at));
    const perSecond = Array.from({ length: Math.floor(lastStart / 1000) + 1 }, (_, s) => {
      const inSecond = calls.filter((c) => c.at >= s * 1000 && c.at < (s + 1) * 1000);
      return {
        calls: inSecond.length,
        maxMs: Math.round(Math.max(0, ...inSecond.map((c) => c.ms))),
        failed: inSecond.filter((c) => c.error).length,
      };
    });
    return {
      tool,
      timeline: {
        holderLocked: Math.round(holderLocked),
        holderCommitted: Math.round(holderCommitted),
        deployStarted: Math.round(deployStarted),
        deployEnded: Math.round(deployEnded),
        loadEnded: Math.round(loadEnded),
      },
      deploy: {
        completed: ended.code === 0 && column?.n === 1,
        exitCode: ended.code,
        signal: ended.signal,
        wallMs: Math.round(ended.ms),
        afterHolderMs: Math.round(deployEnded - holderCommitted),
        retries: output.split("lock_timeout (attempt").length - 1,
        output: tail(output, url),
      },
      before: latency(
        calls.filter((c) => c.at + c.ms <= holderLocked),
        boundMs,
      ),
      during: latency(
        calls.filter((c) => c.at < deployEnded && c.at + c.ms > deployStarted),
        boundMs,
      ),
      totalCalls: calls.length,
      perSecond,
      loadAverage,
    };
  } finally {
    stop = true;
    await Promise.all(clients);
    await app.close();
    await holderDb.close();
  }
}

/** Whether the server is this machine: the load generator runs against nothing else. */
function loopback(url: string): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
}

/** Runs part 7, or says why it cannot. */
export async function benchLoad(options: LoadOptions): Promise<LoadBenchResult | string> {
  if (!loopback(TEST_SERVER_URL))
    return `7. not measured: the load generator runs only against a server on 127.0.0.1, not ${new URL(TEST_SERVER_URL).host}`;
  const lockTimeoutMs = DEFAULT_SESSION_OPTIONS.lockTimeoutMs;
  const boundMs = lockTimeoutMs + 100;
  const base = await createServerDatabase("load");
  const scratch = scratchMigrations();
  try {
    await migrateTemplate({ engine: "postgres", url: base.url });
    const driver = await openPostgresDriver(base.url);
    const buildMs = await buildTenantDataSet(driver, options).finally(() => driver.close());
    const migration = scratch.add("load_bench_add_column", MIGRATION_SQL);
    const runs: DeployRun[] = [];
    for (const tool of TOOLS) {
      console.error(
        `   deploying ${migration} with ${tool} under load (${options.seconds} s, ${options.clients} clients)…`,
      );
      const copy = await createServerDatabase("load", base.name);
      try {
        runs.push(await deployUnderLoad(tool, copy.url, scratch.dir, options, boundMs));
      } finally {
        await copy.drop();
      }
    }
    return {
      ...options,
      holdMs: holdFor(options.seconds),
      thinkMs: THINK_MS,
      lockTimeoutMs,
      boundMs,
      buildMs: Math.round(buildMs),
      migration,
      runs,
    };
  } finally {
    scratch.remove();
    await base.drop();
  }
}

function describeDeploy(run: DeployRun): string {
  const d = run.deploy;
  if (d.completed) {
    const attempts = d.retries + 1;
    const retries = run.tool === "db:migrate" ? `, ${attempts} attempt${attempts === 1 ? "" : "s"}` : "";
    return `completed ${d.afterHolderMs} ms after the holder committed${retries}`;
  }
  const end = d.signal ? `stopped (${d.signal})` : `exit ${d.exitCode}`;
  return `did NOT complete (${end}): ${d.output.split("\n").at(-1) ?? ""}`;
}

/** Part 7's rows: app latency during each deploy, side by side, and whether each deploy completed. */
export function loadRows(result: LoadBenchResult): BenchRow[] {
  const [ours, theirs] = result.runs;
  if (!ours || !theirs) return [];
  const scale = `${result.rows.toLocaleString("en")} rows, ${result.clients} clients, holder ${result.holdMs / 1000} s`;
  const o = ours.during;
  const t = theirs.during;
  return [
    {
      benchmark: `7. app calls during a deploy needing ACCESS EXCLUSIVE on ai_usage (${scale})`,
      engine: "postgres",
      ours: { label: "db:migrate, app p50", medianMs: o.p50 },
      baseline: { label: "drizzle-kit migrate, app p50", medianMs: t.p50 },
      target: `max ≤ lock_timeout ${result.lockTimeoutMs} + 100 = ${result.boundMs} ms, none failed`,
      result: `max ${o.max} vs ${t.max} ms; p99 ${o.p99} vs ${t.p99} ms; failed ${o.failed} of ${o.calls} vs ${t.failed} of ${t.calls}; over ${result.boundMs} ms: ${o.overBound} vs ${t.overBound}`,
      met: o.max <= result.boundMs && o.failed === 0,
    },
    {
      benchmark: "7. the deploy completes once the holder commits",
      engine: "postgres",
      ours: { label: "db:migrate, deploy wall", medianMs: ours.deploy.wallMs },
      baseline: { label: "drizzle-kit migrate, deploy wall", medianMs: theirs.deploy.wallMs },
      target: "db:migrate completes",
      result: `db:migrate ${describeDeploy(ours)}; drizzle-kit ${describeDeploy(theirs)}`,
      met: ours.deploy.completed,
    },
  ];
}

/** How part 7 was run, and the app's latency before the holder, for comparison. */
export function loadNote(result: LoadBenchResult): string {
  const before = result.runs
    .map((r) => `${r.tool} p50 ${r.before.p50} / p99 ${r.before.p99} / max ${r.before.max} ms`)
    .join(", ");
  const loads = result.runs.map((r) => `${r.tool} ${r.loadAverage.join(" ")}`).join(", ");
  return (
    `7. ${result.clients} clients call withTenantContext back to back (${result.thinkMs} ms apart): 3 of 4 calls read a tenant's latest 50 ai_usage rows, 1 inserts one; ` +
    `a call's latency is the whole call (BEGIN, settings, membership check, the statement, discard, COMMIT). ` +
    `The deploy window runs from starting the deploy's process to its exit; both deploys start from copies of one database whose history up to the new migration ` +
    `(${result.migration}) was applied by db:migrate: its bookkeeping table is Drizzle's own, so drizzle-kit finds only the new migration pending ` +
    `(it could not apply 0011 itself: CREATE INDEX CONCURRENTLY cannot run in its one transaction). ` +
    `Data set built in ${Math.round(result.buildMs / 1000)} s. Before the holder: ${before}. Load average at each deploy's end: ${loads}.`
  );
}

/** Per second of each run: calls started and the slowest, with the events marked, side by side. */
export function loadSection(result: LoadBenchResult): BenchSection {
  const marks = (run: DeployRun, second: number) => {
    const t = run.timeline;
    const events: Array<[number, string]> = [
      [t.holderLocked, "holder locks"],
      [t.deployStarted, "deploy starts"],
      [t.holderCommitted, "holder commits"],
      [t.deployEnded, "deploy ends"],
    ];
    const here = events.filter(([at]) => Math.floor(at / 1000) === second).map(([, what]) => what);
    return here.length > 0 ? ` (${here.join(", ")})` : "";
  };
  const seconds = Math.max(0, ...result.runs.map((r) => r.perSecond.length));
  const cell = (run: DeployRun, s: number) => {
    const row = run.perSecond[s];
    return row ? `${row.calls} / ${row.maxMs}${row.failed ? ` / ${row.failed} failed` : ""}${marks(run, s)}` : "—";
  };
  const lines = [
    `| second | ${result.runs.map((r) => `${r.tool}: calls / slowest ms`).join(" | ")} |`,
    `|---|${result.runs.map(() => "---").join("|")}|`,
    ...Array.from({ length: seconds }, (_, s) => `| ${s} | ${result.runs.map((r) => cell(r, s)).join(" | ")} |`),
  ];
  return { title: "7. app calls per second during each deploy", markdown: lines.join("\n") };
}
