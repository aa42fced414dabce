/**
 * Benchmarks 2 and 3: `db:migrate` against Drizzle's migrator on the same empty database.
 * - In process, on both engines: our runner (`runMigrations`: validated folder, advisory lock,
 *   one transaction per migration, verification) vs. drizzle-orm's `migrate()` (one transaction,
 *   no lock, no verification), on an open connection; the full history, then nothing pending.
 * - As commands, on the server: the `db:migrate` script (what `pnpm db:migrate` runs) vs.
 *   `drizzle-kit migrate`, wall time including start-up. drizzle-kit's PGlite driver cannot load
 *   pgvector (our 0009 needs it), so on PGlite only our command is timed.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { type Driver, openPostgresDriver, pgliteDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { openPglite } from "../src/connection.ts";
import { createTestDataDir, MIGRATIONS_FOLDER, TEST_SERVER_URL } from "../src/testing/test-database.ts";
import type { BenchRow } from "./bench-report.ts";
import type { Engine } from "./test-database-bench.ts";
import { type Measurement, median, sideBySide } from "./timing.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(PACKAGE_DIR, "node_modules", ".bin");

/** An empty database on the engine: a server database or a PGlite folder; `remove` deletes it. */
interface EmptyDatabase {
  env: Record<string, string>;
  open(): Promise<{ driver: Driver; drizzleMigrate(): Promise<void>; close(): Promise<void> }>;
  remove(): Promise<void>;
}

async function emptyDatabase(engine: Engine): Promise<EmptyDatabase> {
  if (engine === "pglite") {
    const { dataDir, remove } = await createTestDataDir({ migrate: false });
    return {
      env: { PGLITE_DATA_DIR: dataDir },
      async open() {
        const pglite = await openPglite(dataDir);
        return {
          driver: pgliteDriver(pglite, { target: dataDir }),
          drizzleMigrate: () => migratePglite(drizzlePglite(pglite), { migrationsFolder: MIGRATIONS_FOLDER }),
          close: () => pglite.close(),
        };
      },
      remove,
    };
  }
  const name = `trovella_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openPostgresDriver(TEST_SERVER_URL);
  await admin.exec(`CREATE DATABASE "${name}"`);
  await admin.close();
  const parsed = new URL(TEST_SERVER_URL);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  return {
    env: { DATABASE_URL: url },
    async open() {
      const driver = await openPostgresDriver(url);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        driver,
        drizzleMigrate: () => migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER }),
        async close() {
          await driver.close();
          await client.end();
        },
      };
    },
    async remove() {
      const dropper = await openPostgresDriver(TEST_SERVER_URL);
      await dropper.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.close();
    },
  };
}

async function ourMigrate(driver: Driver): Promise<void> {
  const result = await runMigrations(driver, readMigrationFolder(MIGRATIONS_FOLDER));
  if (!result.verification.ok) throw new Error("the runner's verification failed during the benchmark");
}

/** Runs a command in the package folder with extra environment; resolves with its wall time (ms). */
function runCommand(command: string, args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: PACKAGE_DIR, env: { ...process.env, DATABASE_URL: "", ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || stdout || error.message}`));
        else resolve(performance.now() - started);
      },
    );
  });
}

/** Time of `fn` on a fresh empty database: the first call (full history) and a second one (nothing pending). */
async function fullThenNoop(
  engine: Engine,
  fn: (db: EmptyDatabase) => Promise<[number, number]>,
): Promise<[number, number]> {
  const db = await emptyDatabase(engine);
  try {
    return await fn(db);
  } finally {
    await db.remove();
  }
}

async function inProcess(engine: Engine, which: "ours" | "drizzle"): Promise<[number, number]> {
  return fullThenNoop(engine, async (db) => {
    const session = await db.open();
    try {
      const migrate = which === "ours" ? () => ourMigrate(session.driver) : () => session.drizzleMigrate();
      let started = performance.now();
      await migrate();
      const full = performance.now() - started;
      started = performance.now();
      await migrate();
      return [full, performance.now() - started];
    } finally {
      await session.close();
    }
  });
}

/** The command line of this package's `db:migrate` script (what `pnpm db:migrate` runs), as program and arguments. */
function migrateScript(): [string, string[]] {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const [program = "", ...args] = (manifest.scripts["db:migrate"] ?? "").split(/\s+/);
  return [program === "node" ? process.execPath : join(BIN, program), args];
}

async function asCommand(engine: Engine, which: "ours" | "drizzle-kit"): Promise<[number, number]> {
  const [program, args] = which === "ours" ? migrateScript() : [join(BIN, "drizzle-kit"), ["migrate"]];
  return fullThenNoop(engine, async (db) => [
    await runCommand(program, args, db.env),
    await runCommand(program, args, db.env),
  ]);
}

export interface MigrateBenchResult {
  engine: Engine;
  library: {
    ours: Measurement;
    drizzle: Measurement;
    oursNoop: Measurement;
    drizzleNoop: Measurement;
    overheadPercent: number;
  };
  command: {
    ours: Measurement;
    oursNoop: Measurement;
    drizzleKit?: Measurement;
    drizzleKitNoop?: Measurement;
    overheadPercent?: number;
  };
}

/** Pairs of (full, nothing pending) samples, measured side by side, split into two measurements. */
async function pairs(
  runs: number,
  operations: ReadonlyArray<{ label: string; run: () => Promise<[number, number]> }>,
): Promise<Array<[Measurement, Measurement]>> {
  const noops = operations.map(() => [] as number[]);
  const fulls = await sideBySide(
    runs,
    operations.map((operation, index) => ({
      label: operation.label,
      run: async () => {
        const [full, noop] = await operation.run();
        noops[index]?.push(noop);
        return full;
      },
    })),
  );
  return fulls.map((full, index) => {
    const samples = noops[index] ?? [];
    const noop = {
      label: `${full.label}, nothing pending`,
      samples: samples.map((s) => Math.round(s * 10) / 10),
      medianMs: Math.round(median(samples) * 10) / 10,
    };
    return [full, noop];
  });
}

const overhead = (ours: Measurement, theirs: Measurement) =>
  Math.round((ours.medianMs / theirs.medianMs - 1) * 1000) / 10;

/** Runs benchmarks 2 and 3 on one engine. */
export async function benchMigrate(engine: Engine, runs: number): Promise<MigrateBenchResult> {
  const [ours, drizzle] = await pairs(runs, [
    { label: "runMigrations (db:migrate's library)", run: () => inProcess(engine, "ours") },
    { label: "drizzle-orm migrate()", run: () => inProcess(engine, "drizzle") },
  ]);
  const commands = await pairs(runs, [
    { label: "db:migrate (the package script)", run: () => asCommand(engine, "ours") },
    ...(engine === "postgres" ? [{ label: "drizzle-kit migrate", run: () => asCommand(engine, "drizzle-kit") }] : []),
  ]);
  if (!ours || !drizzle || !commands[0]) throw new Error("benchmark 2 measured nothing");
  const [kit, kitNoop] = commands[1] ?? [];
  return {
    engine,
    library: {
      ours: ours[0],
      drizzle: drizzle[0],
      oursNoop: ours[1],
      drizzleNoop: drizzle[1],
      overheadPercent: overhead(ours[0], drizzle[0]),
    },
    command: {
      ours: commands[0][0],
      oursNoop: commands[0][1],
      ...(kit && kitNoop
        ? { drizzleKit: kit, drizzleKitNoop: kitNoop, overheadPercent: overhead(commands[0][0], kit) }
        : {}),
    },
  };
}

const signed = (percent: number) => `${percent > 0 ? "+" : ""}${percent}%`;

/** Benchmarks 2 and 3's lines of the results table. */
export function migrateRows(result: MigrateBenchResult): BenchRow[] {
  const { library, command } = result;
  const rows: BenchRow[] = [
    {
      benchmark: "2. full history, in process",
      engine: result.engine,
      ours: { label: "runMigrations", medianMs: library.ours.medianMs },
      baseline: { label: "drizzle-orm migrate()", medianMs: library.drizzle.medianMs },
      target: "≤ 20% over Drizzle",
      result: signed(library.overheadPercent),
      met: library.overheadPercent <= 20,
    },
  ];
  if (command.drizzleKit && command.overheadPercent !== undefined) {
    rows.push({
      benchmark: "2. full history, command",
      engine: result.engine,
      ours: { label: "db:migrate", medianMs: command.ours.medianMs },
      baseline: { label: "drizzle-kit migrate", medianMs: command.drizzleKit.medianMs },
      target: "≤ 20% over Drizzle",
      result: signed(command.overheadPercent),
      met: command.overheadPercent <= 20,
    });
  } else {
    rows.push({
      benchmark: "2. full history, command",
      engine: result.engine,
      ours: { label: "db:migrate", medianMs: command.ours.medianMs },
      target: "(drizzle-kit cannot load pgvector on PGlite)",
      result: `${command.ours.medianMs} ms`,
      met: null,
    });
  }
  rows.push({
    benchmark: "3. nothing pending, command (wall)",
    engine: result.engine,
    ours: { label: "db:migrate", medianMs: command.oursNoop.medianMs },
    ...(command.drizzleKitNoop
      ? { baseline: { label: "drizzle-kit migrate", medianMs: command.drizzleKitNoop.medianMs } }
      : {}),
    target: "report",
    result: `${command.oursNoop.medianMs} ms (in process: ${library.oursNoop.medianMs} ms vs Drizzle ${library.drizzleNoop.medianMs} ms)`,
    met: null,
  });
  return rows;
}
