/**
 * `db:upgrade-layout`: a Drizzle Kit 0.x migrations folder converted in place to Drizzle Kit 1.0's
 * layout by the project's own `drizzle-kit up` (1.0), run with `TZ=UTC` (the 1.0.0-rc.5-5935859
 * build takes the folder name's year in local time), then checked against the folder as it was:
 * the same migrations in the same order under the names drizzle-orm 1.0 records, the same SQL
 * bytes, an intact snapshot chain recording the same objects, and (given a database migrated with
 * the old layout) the same migrations applied. On any failed check the folder is put back exactly
 * as it was, from a copy taken first.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type Driver, isConnectionLost } from "../drivers/driver.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import type { FolderIssue } from "../journal/folder-issue.ts";
import { type Migration, type MigrationFolder, readMigrationFolder } from "../journal/migration-folder.ts";
import type { HistoryState } from "../runner/history-state.ts";
import { migrationStatus } from "../runner/migration-status.ts";
import { type DrizzleKitInstall, drizzleKitAt, findDrizzleKit } from "../snapshot/drizzle-kit-install.ts";
import { snapshotEntities } from "../snapshot/snapshot-entities.ts";
import { type Snapshot, snapshotVersion } from "../snapshot/snapshot.ts";
import { type PidLock, takePidLock } from "../runtime/pid-lock.ts";
import { cappedList } from "../text/capped-list.ts";
import { type VerifyResult, verifyMigrations } from "../verify/verify-migrations.ts";
import { backUpFolder } from "./folder-backup.ts";

export interface UpgradeLayoutOptions {
  /** The Drizzle Kit 0.x migrations folder (`meta/_journal.json`). */
  folder: string;
  /** The Drizzle Kit to run: its package folder or a file in it (`bin.cjs`). Default: the one the folder's project has installed. */
  drizzleKit?: string;
  /** A session on a database migrated with the folder as it is: the same migrations must count as applied after. */
  driver?: Driver;
  /** The environment `drizzle-kit up` runs in (`TZ` is set to `UTC`). */
  env?: NodeJS.ProcessEnv;
  /** Aborted (with the signal's name as its reason): `drizzle-kit up` is stopped and the folder put back. */
  signal?: AbortSignal;
}

/** What the upgrade did and checked. */
export interface UpgradeLayoutReport {
  /** The folder was in 1.0's layout already: nothing was run or changed. */
  alreadyConverted: boolean;
  drizzleKit?: { version: string; dir: string };
  /** Each migration's 0.x tag and 1.0 name (its folder). */
  migrations: { tag: string; name: string }[];
  /** The checks that passed, in words. */
  checks: string[];
  /** The folder's untidiness the reader found (an unlisted `.sql` file, a missing snapshot …). */
  warnings: FolderIssue[];
  /** The database checked, when one was given. */
  database?: { target: string; applied: number; pending: number };
}

/**
 * Why `db:upgrade-layout` refused (`layout-upgrade-refused`: no Drizzle Kit 1.0 to run, exit 2) or
 * undid the conversion (`layout-check-failed`: `drizzle-kit up` failed or a check did, exit 1;
 * `connection-lost`: the database went away during its check, exit 4; `interrupted`: SIGINT or
 * SIGTERM stopped `drizzle-kit up` or the checks, exit 130 or 143). The folder is put back in each case.
 * `layout-busy` (exit 5): another run is converting the folder; nothing was touched.
 */
export class UpgradeLayoutError extends MigratorError {
  override name = "UpgradeLayoutError";

  constructor(
    code: "layout-upgrade-refused" | "layout-check-failed" | "connection-lost" | "interrupted" | "layout-busy",
    message: string,
    fix: string,
    /** What failed, one line each. */
    readonly failures: string[] = [],
    /** For a failed check: whether the folder is back byte for byte (else the copy is kept at `backup`). */
    readonly restored?: boolean,
    readonly backup?: string,
    /** For `interrupted`: the signal (the exit code is 128 + its number). */
    readonly signal?: string,
  ) {
    super(code, message, fix);
  }

  protected override details(): Record<string, unknown> {
    return { failures: this.failures, restored: this.restored, backup: this.backup, signal: this.signal };
  }
}

/** The Drizzle Kit 1.0 to run, or a refusal naming what was found instead. */
function drizzleKitOne(options: UpgradeLayoutOptions, folder: string): DrizzleKitInstall & { bin: string } {
  const kit = options.drizzleKit ? drizzleKitAt(options.drizzleKit) : findDrizzleKit(folder);
  const where = options.drizzleKit ?? `the project of ${folder}`;
  const fix =
    "upgrade drizzle-kit and drizzle-orm to the same 1.0 build in the project that holds the folder (drizzle-kit up checks drizzle-orm's version; pin exact versions), or pass --drizzle-kit PATH to a Drizzle Kit 1.0; then run this again";
  if (!kit)
    throw new UpgradeLayoutError(
      "layout-upgrade-refused",
      options.drizzleKit
        ? `${options.drizzleKit} is not in a drizzle-kit package`
        : `no drizzle-kit is installed for ${folder} (node_modules from there up)`,
      fix,
    );
  const bin = join(kit.dir, "bin.cjs");
  if (kit.generation !== "1.0" || !existsSync(bin))
    throw new UpgradeLayoutError(
      "layout-upgrade-refused",
      `db:upgrade-layout runs Drizzle Kit 1.0's drizzle-kit up, but ${where} has drizzle-kit ${kit.version} (${kit.dir}); the folder is unchanged`,
      fix,
    );
  return { ...kit, bin };
}

/** What a restore left, in words: back exactly as it was, or what differs and where the copy is. */
function restoredWords(left: readonly string[], copy: string): string {
  return left.length === 0
    ? "the folder is back exactly as it was"
    : `the folder could not be put back (what differs or failed: ${cappedList(left)}): the copy taken first is ${copy}`;
}

/**
 * Runs Drizzle Kit 1.0's `drizzle-kit up` on `folder`, in its parent folder; `signal` stops it
 * (SIGTERM), so a Ctrl-C during a long conversion reaches the restore.
 */
function drizzleKitUp(
  bin: string,
  folder: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; signal: string | null; error?: string; output: string }> {
  return new Promise((done) => {
    // A relative --out: 1.0.0-rc.5-5935859 reads "./<out>/…" and fails on an absolute one.
    const child = spawn(process.execPath, [bin, "up", "--dialect", "postgresql", "--out", `./${basename(folder)}`], {
      cwd: dirname(folder),
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(signal ? { signal } : {}),
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    let error: string | undefined;
    child.on("error", (e) => (error = e.message)); // not started, or stopped by `signal`
    child.on("close", (code, killed) => done({ code, signal: killed, output, ...(error ? { error } : {}) }));
  });
}

/** The objects a snapshot records, by kind, schema, table and name (primary keys aside: 1.0 records them on their own). */
function objectNames(snapshot: Snapshot): string[] {
  return snapshotEntities(snapshot)
    .filter((e) => e.kind !== "primary-key")
    .map((e) => `${e.kind} ${e.schema || "public"}.${e.table ?? ""}.${e.name}`)
    .sort();
}

/**
 * The checks of the converted folder against the one before, whose snapshots were read before
 * `drizzle-kit up` removed them (`oldSnapshots`, by position); failures in words.
 */
function checkFolder(
  before: MigrationFolder,
  oldSnapshots: readonly (Snapshot | undefined)[],
  path: string,
): { after?: MigrationFolder; failures: string[] } {
  let after: MigrationFolder;
  try {
    after = readMigrationFolder(path);
  } catch (error) {
    return { failures: [`the converted folder is refused: ${(error as Error).message}`] };
  }
  const failures: string[] = [];
  if (after.layout !== "folders") failures.push(`${path} is still in Drizzle Kit 0.x's layout (meta/_journal.json)`);
  const expected = before.migrations.map((m) => m.name);
  const found = after.migrations.map((m) => m.tag);
  const wrong = [...Array(Math.max(expected.length, found.length)).keys()].filter((i) => expected[i] !== found[i]);
  if (wrong.length > 0) {
    failures.push(
      `the migrations are not the history's, in its order, under the names drizzle-orm 1.0 records: ${cappedList(
        wrong.map((i) => `#${i + 1} should be ${expected[i] ?? "nothing"}, is ${found[i] ?? "missing"}`),
      )}`,
    );
  }
  before.migrations.forEach((old, position) => {
    const converted = after.migrations.find((m) => m.tag === old.name);
    if (!converted) return;
    if (converted.sql !== old.sql || converted.hash !== old.hash)
      failures.push(`${converted.file}: not the bytes of ${old.file} (sha256 ${old.hash} → ${converted.hash})`);
    failures.push(...checkSnapshot(old, oldSnapshots[position], converted, after.migrations[position - 1]));
  });
  const ids = after.migrations.flatMap((m) => (m.snapshot?.id ? [m.snapshot.id] : []));
  for (const id of new Set(ids.filter((id, index) => ids.indexOf(id) !== index))) {
    const twins = after.migrations.filter((m) => m.snapshot?.id === id);
    // Named by the 0.x files: the converted ones are gone once the folder is put back.
    const paths = twins.map((m) => before.migrations.find((o) => o.name === m.tag)?.snapshotPath ?? m.snapshotPath);
    failures.push(
      `${cappedList([...new Set(paths)])}: one snapshot id (${id}) for ${twins.length} migrations (the snapshot chain forks; a copied snapshot file? give each migration its own)`,
    );
  }
  return { after, failures };
}

/**
 * A converted snapshot: format 8; and, where the migration had a snapshot (`snapshot`, read
 * before the conversion), its id, its parent (the previous migration's) and the same objects.
 */
function checkSnapshot(
  old: Migration,
  snapshot: Snapshot | undefined,
  converted: Migration,
  previous: Migration | undefined,
): string[] {
  if (!converted.snapshot) return [`${old.snapshotPath}: its converted snapshot is missing or unreadable`];
  try {
    if (snapshotVersion(converted.snapshot) !== "8")
      return [
        `${old.snapshotPath}: converted in format ${snapshotVersion(converted.snapshot)}, not Drizzle Kit 1.0's 8`,
      ];
  } catch (error) {
    return [`${old.snapshotPath}: its converted snapshot: ${(error as Error).message}`];
  }
  if (!snapshot) return [];
  const failures: string[] = [];
  const parents = converted.snapshot.prevIds ?? [];
  if (converted.snapshot.id !== snapshot.id)
    failures.push(`${old.snapshotPath}: converted with id ${converted.snapshot.id}, but its id is ${snapshot.id}`);
  const parent = previous?.snapshot?.id ?? snapshot.prevId;
  if (!isDeepStrictEqual(parents, [parent]))
    failures.push(
      `${old.snapshotPath}: converted with parents ${JSON.stringify(parents)}, expected [${JSON.stringify(parent)}] (the snapshot chain is broken)`,
    );
  if (!isDeepStrictEqual(objectNames(converted.snapshot), objectNames(snapshot)))
    failures.push(`${old.snapshotPath}: its converted snapshot records other objects`);
  return failures;
}

/**
 * The database against the converted folder: what was applied before still is, and drizzle-orm
 * 1.0 would apply none of it again (`rerun`: verifyMigrations' judgement, by the rows' names).
 */
function checkDatabase(
  before: HistoryState,
  after: HistoryState,
  rerun: VerifyResult["rerunByDrizzle"],
  target: string,
): string[] {
  const failures: string[] = [];
  before.migrations.forEach((state, position) => {
    const now = after.migrations[position];
    if (state.state !== "applied") return;
    if (now?.state !== "applied")
      failures.push(
        `${target}: ${state.migration.tag} was applied, and ${now?.migration.tag ?? "it"} is ${now?.state ?? "gone"} now`,
      );
  });
  for (const r of rerun)
    failures.push(`${target}: drizzle-orm 1.0 would run ${r.tag} again (row ${r.id}): ${r.reason}`);
  if (after.unknown.length > before.unknown.length)
    failures.push(`${target}: ${after.unknown.length - before.unknown.length} applied row(s) match no migration now`);
  return failures;
}

/**
 * Converts the folder (see the file comment). Refuses with `layout-upgrade-refused` before touching
 * anything when no Drizzle Kit 1.0 is at hand; undoes the conversion and throws
 * `layout-check-failed` naming every failure when `drizzle-kit up` or a check fails.
 *
 * @example const report = await upgradeLayout({ folder: "drizzle", driver }); // report.checks
 */
export async function upgradeLayout(options: UpgradeLayoutOptions): Promise<UpgradeLayoutReport> {
  const lock = lockConversion(options.folder);
  try {
    return await convert(options);
  } finally {
    lock.release();
  }
}

/**
 * The lock of one folder's conversion: a pid lock file beside the folder (`.<name>.upgrade-lock` in
 * its parent, found by its real path, whatever the process's temporary directory), so a second run
 * on it, from any environment, is refused: it would read the folder half-converted, or report
 * success while the first puts it back. Throws `layout-busy` (exit 5) naming the run that holds it,
 * and `layout-upgrade-refused` (exit 2) naming the lock file when it cannot be made.
 */
function lockConversion(folder: string): PidLock {
  let real = resolve(folder);
  try {
    real = realpathSync(folder);
  } catch {
    // No such folder: the reader says so.
  }
  const path = join(dirname(real), `.${basename(real)}.upgrade-lock`);
  let taken: ReturnType<typeof takePidLock>;
  try {
    taken = takePidLock(path);
  } catch (error) {
    throw new UpgradeLayoutError(
      "layout-upgrade-refused",
      `the lock file of the conversion, ${path}, cannot be made: ${(error as Error).message}; the folder is unchanged`,
      `remove what is at ${path} (a leftover of a run that crashed?) or make ${dirname(real)} writable, then run again`,
    );
  }
  if ("heldBy" in taken || "contended" in taken) {
    const who = "heldBy" in taken ? `another db:upgrade-layout (pid ${taken.heldBy})` : "another db:upgrade-layout";
    throw new UpgradeLayoutError(
      "layout-busy",
      `${who} is converting ${real}; two at once would each undo or misreport the other's work; the folder is as that run leaves it`,
      `wait for it to finish (it converts the folder or puts it back), then run again; if none is running, delete ${path}`,
    );
  }
  return taken;
}

async function convert(options: UpgradeLayoutOptions): Promise<UpgradeLayoutReport> {
  const before = readMigrationFolder(options.folder);
  const folder = before.folder;
  const migrations = before.migrations.map((m) => ({ tag: m.tag, name: m.name }));
  if (before.layout === "folders") return { alreadyConverted: true, migrations, checks: [], warnings: before.warnings };
  const kit = drizzleKitOne(options, folder);
  const stateBefore = options.driver ? await migrationStatus(options.driver, before) : undefined;
  // Read now: a snapshot is parsed on first use, and drizzle-kit up removes the 0.x files.
  const oldSnapshots = before.migrations.map((m) => m.snapshot);

  const backup = backUpFolder(folder);
  const failures: string[] = [];
  const databaseFailures: string[] = [];
  const run = await drizzleKitUp(kit.bin, folder, { ...(options.env ?? process.env), TZ: "UTC" }, options.signal);
  // A Ctrl-C reaches drizzle-kit up too (the terminal signals the whole group), maybe first.
  const signalled = () =>
    options.signal?.aborted
      ? String(options.signal.reason ?? "SIGINT")
      : run.signal === "SIGINT" || run.signal === "SIGTERM"
        ? run.signal
        : undefined;
  const stoppedUp = signalled();
  if (!stoppedUp && run.code !== 0) {
    const output = run.output.trim().split("\n").slice(-5).join(" / ");
    const missing = before.migrations.filter((_, i) => oldSnapshots[i] === undefined).map((m) => m.snapshotPath);
    failures.push(
      `drizzle-kit up exited with ${run.code ?? run.signal ?? run.error}: ${output}${
        missing.length
          ? ` (it needs a snapshot for every migration; the 0.x folder has none at ${cappedList(missing)})`
          : ""
      }`,
    );
  }
  let stateAfter: HistoryState | undefined;
  let lostConnection = false;
  if (!stoppedUp) {
    try {
      const checked = failures.length ? { failures: [] } : checkFolder(before, oldSnapshots, folder);
      failures.push(...checked.failures);
      if (!failures.length && options.driver && stateBefore && checked.after && !signalled()) {
        stateAfter = await migrationStatus(options.driver, checked.after);
        const { rerunByDrizzle } = await verifyMigrations(options.driver, checked.after);
        databaseFailures.push(...checkDatabase(stateBefore, stateAfter, rerunByDrizzle, options.driver.target));
        failures.push(...databaseFailures);
      }
    } catch (error) {
      // The checks did not finish: the folder is not known to be right, so it goes back all the same.
      lostConnection = isConnectionLost(error);
      failures.push(
        `the checks could not finish${lostConnection ? ` (the connection to ${options.driver?.target ?? "the database"} was lost)` : ""}: ${(error as Error).message}`,
      );
    }
  }

  // A signal at any point before the conversion is reported done puts the folder back.
  const interrupted = signalled();
  if (interrupted) {
    const left = backup.restore();
    throw new UpgradeLayoutError(
      "interrupted",
      `interrupted by ${interrupted}: ${stoppedUp ? "drizzle-kit up was stopped" : "the checks of the converted folder were stopped"}; ${restoredWords(left, backup.copy)}`,
      left.length === 0
        ? "run db:upgrade-layout again when it can finish; nothing was changed"
        : `restore the folder from git or from ${backup.copy}`,
      [],
      left.length === 0,
      left.length === 0 ? undefined : backup.copy,
      interrupted,
    );
  }
  if (failures.length) {
    const left = backup.restore();
    const restored = left.length === 0;
    throw new UpgradeLayoutError(
      lostConnection ? "connection-lost" : "layout-check-failed",
      `the conversion of ${folder} to Drizzle Kit 1.0's layout failed its checks (${failures.length}): ${failures.join("; ")}; ${restoredWords(left, backup.copy)}`,
      !restored
        ? `restore the folder from git or from ${backup.copy}`
        : lostConnection
          ? "run db:upgrade-layout again once the database is reachable; nothing was changed"
          : databaseFailures.length === failures.length
            ? "the folder converts, but the database's bookkeeping rows do not match it: see db:status and db:verify on the 0.x folder (a name column added by hand, rows from a conversion done elsewhere), correct the rows, then run db:upgrade-layout again; nothing was changed"
            : "fix what failed in the 0.x folder (or the Drizzle Kit installed) and run db:upgrade-layout again; nothing was changed",
      failures,
      restored,
      restored ? undefined : backup.copy,
    );
  }
  backup.discard();
  const n = before.migrations.length;
  const withSnapshot = oldSnapshots.filter((snapshot) => snapshot !== undefined).length;
  const report: UpgradeLayoutReport = {
    alreadyConverted: false,
    warnings: before.warnings,
    drizzleKit: { version: kit.version, dir: kit.dir },
    migrations,
    checks: [
      `the same ${n} migrations, in the same order, each named as drizzle-orm 1.0 records it`,
      `the same SQL bytes and SHA-256 hashes (${n} files)`,
      `the snapshot chain intact: ${n} snapshots in format 8, ${
        withSnapshot === n ? "each" : `the ${withSnapshot} the 0.x folder had`
      } with its id, the child of the one before, recording the same objects`,
    ],
  };
  if (options.driver && stateAfter) {
    const applied = stateAfter.migrations.filter((m) => m.state === "applied").length;
    report.checks.push(
      `${options.driver.target}: the ${applied} migrations applied before count as applied, by the names drizzle-orm 1.0 records; ${stateAfter.pendingCount} pending, ${stateAfter.unknown.length} unknown`,
    );
    report.database = { target: options.driver.target, applied, pending: stateAfter.pendingCount };
  }
  return report;
}
