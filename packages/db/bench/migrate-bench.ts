/**
 * Benchmarks 2 and 3: `db:migrate` against Drizzle's migrator on the same empty database, on the
 * history Drizzle's migrators can apply: they run every pending migration in one transaction, so a
 * `-- migrator:no-transaction` migration (`CREATE INDEX CONCURRENTLY`) fails under them; the
 * comparison runs on a copy of the history cut before the first one (both tools on the same copy).
 * - In process, on both engines: our runner (`runMigrations`: validated folder, advisory lock,
 *   one transaction per migration, verification) vs. drizzle-orm's `migrate()` (one transaction,
 *   no lock, no verification), on an open connection; the full history, then nothing pending.
 * - As commands, on the server: the `db:migrate` script (what `pnpm db:migrate` runs) vs.
 *   `drizzle-kit migrate`, wall time including start-up. drizzle-kit's PGlite driver cannot load
 *   pgvector (our 0009 needs it), so on PGlite only our command is timed.
 */
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { type Driver, openPostgresDriver, pgliteDriver, readMigrationFolder, runMigrations } from "@repo/migrator";
import { openPglite } from "../src/connection.ts";
import { scratchMigrations } from "../src/testing/scratch-migrations.ts";
import { createTestDataDir, MIGRATIONS_FOLDER } from "../src/testing/test-database.ts";
import type { BenchRow } from "./bench-report.ts";
import { drizzleKitMigrateCommand, ourMigrateCommand, runProcess } from "./package-commands.ts";
import { createServerDatabase } from "./server-database.ts";
import type { Engine } from "./test-database-bench.ts";
import { type Measurement, median, sideBySide } from "./timing.ts";

/** The history both migrators are run on. */
interface ComparedHistory {
  folder: string;
  /** Migrations in it, and in the real history. */
  count: number;
  total: number;
  /** The first no-transaction migration, which the copy stops before; absent when nothing was cut. */
  cutBefore?: string;
  remove(): void;
}

/**
 * The history Drizzle's migrators can apply: the real one if no migration has the no-transaction
 * directive, else a copy of it cut before the first that has.
 */
function comparedHistory(): ComparedHistory {
  const { migrations } = readMigrationFolder(MIGRATIONS_FOLDER);
  const first = migrations.findIndex((m) => m.noTransaction);
  if (first === -1) {
    return { folder: MIGRATIONS_FOLDER, count: migrations.length, total: migrations.length, remove: () => undefined };
  }
  const last = migrations[first - 1];
  const cut = migrations[first]?.tag ?? "";
  if (!last)
    throw new Error(`${cut}, the history's first migration, has no transaction: Drizzle cannot apply any of it`);
  const scratch = scratchMigrations(last.idx);
  return {
    folder: scratch.dir,
    count: first,
    total: migrations.length,
    cutBefore: cut,
    remove: () => scratch.remove(),
  };
}

/** An empty database on the engine: a server database or a PGlite folder; `remove` deletes it. */
interface EmptyDatabase {
  env: Record<string, string>;
  open(): Promise<{ driver: Driver; drizzleMigrate(): Promise<void>; close(): Promise<void> }>;
  remove(): Promise<void>;
}

async function emptyDatabase(engine: Engine, folder: string): Promise<EmptyDatabase> {
  if (engine === "pglite") {
    const { dataDir, remove } = await createTestDataDir({ migrate: false });
    return {
      env: { PGLITE_DATA_DIR: dataDir },
      async open() {
        const pglite = await openPglite(dataDir);
        return {
          driver: pgliteDriver(pglite, { target: dataDir }),
          drizzleMigrate: () => migratePglite(drizzlePglite(pglite), { migrationsFolder: folder }),
          close: () => pglite.close(),
        };
      },
      remove,
    };
  }
  const database = await createServerDatabase("migrate");
  return {
    env: { DATABASE_URL: database.url },
    async open() {
      const driver = await openPostgresDriver(database.url);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return {
        driver,
        drizzleMigrate: () => migratePg(drizzlePg(client), { migrationsFolder: folder }),
        async close() {
          await driver.close();
          await client.end();
        },
      };
    },
    remove: () => database.drop(),
  };
}

async function ourMigrate(driver: Driver, folder: string): Promise<void> {
  const result = await runMigrations(driver, readMigrationFolder(folder));
  if (!result.verification.ok) throw new Error("the runner's verification failed during the benchmark");
}

/** Time of `fn` on a fresh empty database: the first call (full history) and a second one (nothing pending). */
async function fullThenNoop(
  engine: Engine,
  folder: string,
  fn: (db: EmptyDatabase) => Promise<[number, number]>,
): Promise<[number, number]> {
  const db = await emptyDatabase(engine, folder);
  try {
    return await fn(db);
  } finally {
    await db.remove();
  }
}

async function inProcess(
  engine: Engine,
  history: ComparedHistory,
  which: "ours" | "drizzle",
): Promise<[number, number]> {
  return fullThenNoop(engine, history.folder, async (db) => {
    const session = await db.open();
    try {
      const migrate =
        which === "ours" ? () => ourMigrate(session.driver, history.folder) : () => session.drizzleMigrate();
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

async function asCommand(
  engine: Engine,
  history: ComparedHistory,
  which: "ours" | "drizzle-kit",
): Promise<[number, number]> {
  // The package's own folder and drizzle.config.ts when nothing was cut; else the copy.
  const folder = history.cutBefore ? history.folder : undefined;
  const [program, args] = which === "ours" ? ourMigrateCommand(folder) : drizzleKitMigrateCommand(folder);
  return fullThenNoop(engine, history.folder, async (db) => [
    await runProcess(program, args, db.env),
    await runProcess(program, args, db.env),
  ]);
}

export interface MigrateBenchResult {
  engine: Engine;
  /** The history compared: its migrations, the real history's, and the migration it was cut before. */
  history: { count: number; total: number; cutBefore?: string };
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
  const history = comparedHistory();
  try {
    return await measure(engine, runs, history);
  } finally {
    history.remove();
  }
}

async function measure(engine: Engine, runs: number, history: ComparedHistory): Promise<MigrateBenchResult> {
  const [ours, drizzle] = await pairs(runs, [
    { label: "runMigrations (db:migrate's library)", run: () => inProcess(engine, history, "ours") },
    { label: "drizzle-orm migrate()", run: () => inProcess(engine, history, "drizzle") },
  ]);
  const commands = await pairs(runs, [
    { label: "db:migrate (the package script)", run: () => asCommand(engine, history, "ours") },
    ...(engine === "postgres"
      ? [{ label: "drizzle-kit migrate", run: () => asCommand(engine, history, "drizzle-kit") }]
      : []),
  ]);
  if (!ours || !drizzle || !commands[0]) throw new Error("benchmark 2 measured nothing");
  const [kit, kitNoop] = commands[1] ?? [];
  return {
    engine,
    history: {
      count: history.count,
      total: history.total,
      ...(history.cutBefore ? { cutBefore: history.cutBefore } : {}),
    },
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
  const { count, total, cutBefore } = result.history;
  // The migration's number: the tag up to its first "_" (e.g. 0011).
  const history = cutBefore
    ? `history before ${cutBefore.split("_")[0]} (${count} of ${total} migrations)`
    : "full history";
  const rows: BenchRow[] = [
    {
      benchmark: `2. ${history}, in process`,
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
      benchmark: `2. ${history}, command`,
      engine: result.engine,
      ours: { label: "db:migrate", medianMs: command.ours.medianMs },
      baseline: { label: "drizzle-kit migrate", medianMs: command.drizzleKit.medianMs },
      target: "≤ 20% over Drizzle",
      result: signed(command.overheadPercent),
      met: command.overheadPercent <= 20,
    });
  } else {
    rows.push({
      benchmark: `2. ${history}, command`,
      engine: result.engine,
      ours: { label: "db:migrate", medianMs: command.ours.medianMs },
      target: "(drizzle-kit cannot load pgvector on PGlite)",
      result: `${command.ours.medianMs} ms`,
      met: null,
    });
  }
  rows.push({
    benchmark: `3. nothing pending, ${history}, command (wall)`,
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

/** Why part 2 compares on a shorter history, when it does. */
export function migrateNote(result: MigrateBenchResult): string | undefined {
  const { count, total, cutBefore } = result.history;
  if (!cutBefore) return undefined;
  return (
    `2-3. compared on a copy of the history cut before ${cutBefore}, the first \`-- migrator:no-transaction\` migration ` +
    `(${count} of ${total} migrations, both tools on the same copy): Drizzle's migrators run every pending migration in one transaction, ` +
    "where its CREATE INDEX CONCURRENTLY cannot run, so they cannot apply the full history."
  );
}
