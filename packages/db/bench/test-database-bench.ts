/**
 * Benchmark 1: what a test file pays for a migrated database, opened and closed. Side by side on
 * one engine: a clone from the test-database factory (`createTestDatabase`) vs. replaying the whole
 * history on a fresh database (what every test file did before); on PGlite also the clone a
 * worker's next test file gets, an earlier one put back into the template's state (its close does
 * that work, so it is timed); and a test that runs in a rolled-back transaction.
 * Both run in the temporary folder the test run uses (`test-tmpdir.ts`), as a test file's would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresDriver } from "@repo/migrator";
import { withRollback } from "@repo/migrator/testing";
import { openPglite } from "../src/connection.ts";
import { organization, researchPlan } from "../src/schema/index.ts";
import { createTestDatabase, migrateTemplate, TEST_SERVER_URL } from "../src/testing/test-database.ts";
import { testTmpdir } from "../src/testing/test-tmpdir.ts";
import type { BenchRow } from "./bench-report.ts";
import { type Measurement, sideBySide } from "./timing.ts";

export type Engine = "pglite" | "postgres";

export interface TestDatabaseBenchResult {
  engine: Engine;
  /** The temporary folder the data directories were in. */
  tmpdir: string;
  replay: Measurement;
  clone: Measurement;
  /** replay median / clone median (target ≥ 3). */
  speedup: number;
  /** PGlite: a reused clone, opened and closed (the close puts it back into the template's state). */
  reused?: Measurement;
  rollback: Measurement;
}

/** A fresh database with the whole history replayed, ready to query; returns its cleanup. */
async function replay(engine: Engine): Promise<() => Promise<void>> {
  if (engine === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "trovella-bench-"));
    const pglite = await openPglite(dataDir);
    await migrateTemplate({ engine, dataDir, pglite });
    return async () => {
      await pglite.close();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const name = `trovella_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openPostgresDriver(TEST_SERVER_URL);
  await admin.exec(`CREATE DATABASE "${name}"`);
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  await migrateTemplate({ engine, url: url.toString() });
  return async () => {
    await admin.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.close();
  };
}

/** How long opening and closing take together: a reused clone does its work in the close. */
async function timed(open: () => Promise<() => Promise<void>>): Promise<number> {
  const started = performance.now();
  const close = await open();
  await close();
  return performance.now() - started;
}

/** A test file's database from the factory, written to as a test would, opened and closed. */
function cloneAndWrite(engine: Engine, fresh: boolean): Promise<number> {
  return timed(async () => {
    const t = await createTestDatabase({ engine, fresh });
    await t.db.insert(organization).values({ id: "org_bench", name: "Bench", slug: "bench" });
    return () => t.close();
  });
}

/** Runs benchmark 1 on one engine, in the test run's temporary folder (TMPDIR is restored after). */
export async function benchTestDatabases(engine: Engine, runs: number): Promise<TestDatabaseBenchResult> {
  const before = process.env["TMPDIR"];
  const chosen = testTmpdir();
  if (chosen) process.env["TMPDIR"] = chosen;
  try {
    return await measure(engine, runs);
  } finally {
    if (before === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = before;
  }
}

/** `runs` rounds of replay vs. clone, then `runs × 5` rolled-back tests. */
async function measure(engine: Engine, runs: number): Promise<TestDatabaseBenchResult> {
  // Build the template (once per change of the migrations) before measuring clones.
  await (await createTestDatabase({ engine })).close();
  const [replayed, cloned, reused] = await sideBySide(runs, [
    { label: "replay the history on a fresh database", run: () => timed(() => replay(engine)) },
    { label: "clone from the factory (createTestDatabase)", run: () => cloneAndWrite(engine, true) },
    ...(engine === "pglite"
      ? [{ label: "the clone a worker's next test file gets (reused)", run: () => cloneAndWrite(engine, false) }]
      : []),
  ]);
  const t = await createTestDatabase({ engine });
  try {
    const [rollback] = await sideBySide(runs * 5, [
      {
        label: "a test in a rolled-back transaction (withRollback)",
        run: async () => {
          const started = performance.now();
          await withRollback(t.db, async (tx) => {
            await tx.insert(organization).values({ id: "org_bench", name: "Bench", slug: "bench" });
            await tx
              .insert(researchPlan)
              .values({ id: "plan_bench", organizationId: "org_bench", title: "t", question: "?" });
            await tx.$count(researchPlan);
          });
          return performance.now() - started;
        },
      },
    ]);
    if (!replayed || !cloned || !rollback) throw new Error("benchmark 1 measured nothing");
    return {
      engine,
      tmpdir: tmpdir(),
      replay: replayed,
      clone: cloned,
      speedup: Math.round((replayed.medianMs / cloned.medianMs) * 10) / 10,
      ...(reused ? { reused } : {}),
      rollback,
    };
  } finally {
    await t.close();
  }
}

/** Where benchmark 1's data directories were, for the notes under the table. */
export function testDatabaseNote(result: TestDatabaseBenchResult): string {
  return `1. in ${result.tmpdir}, the temporary folder a test run uses here (packages/db/src/testing/test-tmpdir.ts): the template, its clones and the replays' data directories`;
}

/** Benchmark 1's lines of the results table. */
export function testDatabaseRows(result: TestDatabaseBenchResult): BenchRow[] {
  return [
    {
      benchmark: "1. migrated test database",
      engine: result.engine,
      ours: { label: "factory clone", medianMs: result.clone.medianMs },
      baseline: { label: "replay history", medianMs: result.replay.medianMs },
      target: "≥ 3× faster",
      result: `${result.speedup}× faster`,
      met: result.speedup >= 3,
    },
    ...(result.reused
      ? [
          {
            benchmark: "1. migrated test database, reused",
            engine: result.engine,
            ours: { label: "reused clone", medianMs: result.reused.medianMs },
            baseline: { label: "factory clone", medianMs: result.clone.medianMs },
            target: "≤ 150 ms",
            result: `${result.reused.medianMs} ms`,
            met: result.reused.medianMs <= 150,
          },
        ]
      : []),
    {
      benchmark: "1. rolled-back test transaction",
      engine: result.engine,
      ours: { label: "withRollback", medianMs: result.rollback.medianMs },
      target: "< 5 ms",
      result: `${result.rollback.medianMs} ms`,
      met: result.rollback.medianMs < 5,
    },
  ];
}
