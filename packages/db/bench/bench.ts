/**
 * `pnpm bench [--runs n] [--engine pglite|postgres …] [--only part…] [--count n] [--out dir] [--json]`:
 * a benchmark, not a test. Measures side by side, on the embedded database and on the server:
 * 1. migrated test databases (factory clone vs. replay, rolled-back test transaction);
 * 2–3. db:migrate vs. Drizzle's migrator (the history Drizzle can apply, nothing pending);
 * 4. db:review vs. squawk on a generated corpus;
 * 5. tenant queries over 1,000,000 ai_usage rows (server);
 * 6. reading the history in Drizzle Kit 1.0's layout vs. 0.x's;
 * 7. app latency while a migration needing ACCESS EXCLUSIVE is deployed under load, db:migrate vs.
 *    drizzle-kit migrate (server).
 * Prints medians and ratios with the machine and its load; writes `latest.json` and `latest.md`
 * into `bench/results/` (or `--out`) and appends the run to `runs.jsonl` and `runs.md` there, which
 * keep every run.
 */
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { openPostgresDriver } from "@repo/migrator";
import { TEST_SERVER_URL } from "../src/testing/test-database.ts";
import { type BenchResults, formatMarkdown, writeResults } from "./bench-report.ts";
import { benchLayout, layoutNote, layoutRows } from "./layout-bench.ts";
import { benchLoad, loadNote, loadRows, loadSection } from "./load-bench.ts";
import { currentLoad, machineInfo } from "./machine-info.ts";
import { benchMigrate, migrateNote, migrateRows } from "./migrate-bench.ts";
import { benchReview, reviewRows } from "./review-bench.ts";
import { benchTenantScale, tenantScaleRows, tenantScaleSection } from "./tenant-scale-bench.ts";
import { benchTestDatabases, type Engine, testDatabaseNote, testDatabaseRows } from "./test-database-bench.ts";

const DEFAULT_OUT = fileURLToPath(new URL("./results", import.meta.url));

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("must be a positive integer");
  return parsed;
}

/** Whether the server answers; the reason when it does not. */
async function serverReachable(): Promise<string | null> {
  try {
    const driver = await openPostgresDriver(TEST_SERVER_URL);
    await driver.close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function main(argv: string[]): Promise<number> {
  const program = new Command("bench")
    .description("Benchmark migrated test databases, db:migrate and db:review; print medians and ratios")
    .option("--runs <n>", "rounds per measurement (medians of these)", positiveInteger, 5)
    .option("--engine <engine...>", "pglite and/or postgres", ["pglite", "postgres"])
    .option("--only <part...>", "only these benchmarks: test-databases, migrate, review, tenant-scale, layout, load", [
      "test-databases",
      "migrate",
      "review",
      "tenant-scale",
      "layout",
      "load",
    ])
    .option("--tenant-rows <n>", "ai_usage rows of the tenant-scale part", positiveInteger, 1_000_000)
    .option("--load-rows <n>", "ai_usage rows of the load part", positiveInteger, 1_000_000)
    .option("--load-seconds <n>", "length of each deploy's run in the load part", positiveInteger, 20)
    .option("--load-clients <n>", "concurrent app clients of the load part", positiveInteger, 8)
    .option("--count <n>", "migrations in db:review's generated corpus", positiveInteger, 1000)
    .option("--out <dir>", "where to write latest.json and latest.md", DEFAULT_OUT)
    .option("--json", "print the results as JSON instead of the table")
    .parse(argv);
  const options = program.opts<{
    runs: number;
    count: number;
    tenantRows: number;
    loadRows: number;
    loadSeconds: number;
    loadClients: number;
    engine: string[];
    only: string[];
    out: string;
    json?: boolean;
  }>();
  const engines = options.engine.filter((e): e is Engine => e === "pglite" || e === "postgres");
  const results: BenchResults = {
    machine: machineInfo(),
    runs: options.runs,
    rows: [],
    notes: [],
    details: {},
    sections: [],
  };

  if (engines.includes("postgres")) {
    const unreachable = await serverReachable();
    if (unreachable) {
      engines.splice(engines.indexOf("postgres"), 1);
      results.notes.push(`server not measured: ${unreachable} (start it with pnpm db:server)`);
    }
  }

  for (const engine of options.only.includes("test-databases") ? engines : []) {
    console.error(`1. test databases on ${engine} (${options.runs} rounds)…`);
    const result = await benchTestDatabases(engine, options.runs);
    results.details[`testDatabases.${engine}`] = result;
    results.rows.push(...testDatabaseRows(result));
    const note = testDatabaseNote(result);
    if (engine === "pglite" && !results.notes.includes(note)) results.notes.push(note);
  }

  for (const engine of options.only.includes("migrate") ? engines : []) {
    console.error(`2-3. db:migrate vs Drizzle on ${engine} (${options.runs} rounds)…`);
    const result = await benchMigrate(engine, options.runs);
    results.details[`migrate.${engine}`] = result;
    results.rows.push(...migrateRows(result));
    const note = migrateNote(result);
    if (note && !results.notes.includes(note)) results.notes.push(note);
  }
  if (options.only.includes("migrate") && engines.includes("pglite")) {
    results.notes.push(
      "drizzle-kit migrate is timed on the server only: its PGlite driver opens the database without extensions, so 0009's CREATE EXTENSION vector fails; on PGlite our runner is compared with drizzle-orm's migrate() in process.",
    );
  }

  if (options.only.includes("review")) {
    console.error(`4. db:review vs squawk on ${options.count} migrations (${options.runs} rounds)…`);
    const result = await benchReview(options.count, options.runs);
    results.details["review"] = result;
    results.rows.push(...reviewRows(result));
  }

  if (options.only.includes("tenant-scale") && engines.includes("postgres")) {
    console.error(`5. tenant queries over ${options.tenantRows} ai_usage rows on postgres…`);
    const result = await benchTenantScale({ rows: options.tenantRows, tenants: 1000, samples: 200 });
    results.details["tenantScale.postgres"] = result;
    results.rows.push(...tenantScaleRows(result));
    results.sections.push(tenantScaleSection(result));
  }

  if (options.only.includes("layout")) {
    console.error(`6. reading the 1.0 layout vs 0.x (${options.runs} rounds)…`);
    const result = await benchLayout(options.runs);
    if (typeof result === "string") results.notes.push(result);
    else {
      results.details["layout"] = result;
      results.rows.push(...layoutRows(result));
      results.notes.push(layoutNote(result));
    }
  }

  if (options.only.includes("load") && engines.includes("postgres")) {
    console.error(
      `7. deploys under load: ${options.loadClients} clients, ${options.loadSeconds} s, ${options.loadRows} ai_usage rows on postgres…`,
    );
    const result = await benchLoad({
      rows: options.loadRows,
      tenants: 1000,
      seconds: options.loadSeconds,
      clients: options.loadClients,
    });
    if (typeof result === "string") results.notes.push(result);
    else {
      results.details["load.postgres"] = result;
      results.rows.push(...loadRows(result));
      results.notes.push(loadNote(result));
      results.sections.push(loadSection(result));
    }
  }

  results.machine.loadAverageAtEnd = currentLoad();
  const written = await writeResults(options.out, results);
  console.log(options.json ? JSON.stringify(results, null, 2) : formatMarkdown(results));
  console.error(`written: ${written.join(", ")}`);
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
