/**
 * Trovella's history converted by Drizzle Kit 1.0's own `drizzle-kit up` (the pinned release
 * candidate), in a temporary folder: what a team has after the upgrade. Also drizzle-orm 1.0's
 * migrator on either engine, as the tests run it side by side with ours.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { templateFingerprint } from "@repo/migrator/testing";

/** Drizzle Kit 1.0's command-line entry: `bin.cjs` in this package's drizzle-kit. */
export const DRIZZLE_KIT_1 = fileURLToPath(new URL("../node_modules/drizzle-kit/bin.cjs", import.meta.url));

/** A temporary project. */
export interface TempProject {
  root: string;
  /** Its migrations folder, `drizzle/`. */
  migrations: string;
  remove(): void;
}

/**
 * A project folder with a copy of migrations folder `source` as `drizzle/`, a config Drizzle Kit 1.0 reads, and
 * Drizzle Kit 1.0 installed (`node_modules/drizzle-kit`, a link to the pinned one), as a team has
 * after upgrading the package: the toolkit diffs its 1.0 snapshots with that kit.
 */
export function projectWith(source: string): TempProject {
  const root = mkdtempSync(join(tmpdir(), "drizzle-next-"));
  const migrations = join(root, "drizzle");
  cpSync(source, migrations, { recursive: true });
  writeFileSync(join(root, "drizzle.config.mjs"), 'export default { dialect: "postgresql", out: "./drizzle" };\n');
  mkdirSync(join(root, "node_modules"));
  symlinkSync(dirname(DRIZZLE_KIT_1), join(root, "node_modules", "drizzle-kit"), "dir");
  return { root, migrations, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Trovella's history in two projects: as committed (0.x) and converted by `drizzle-kit up` (1.0). */
export function legacyAndUpgraded(source: string): { legacy: TempProject; upgraded: TempProject; remove(): void } {
  const legacy = projectWith(source);
  const upgraded = projectWith(upgradedFolder(source));
  return {
    legacy,
    upgraded,
    remove: () => {
      legacy.remove();
      upgraded.remove();
    },
  };
}

/** `drizzle-kit up` (1.0) on the project's folder, in place. UTC: the release candidate takes the year in local time. */
function drizzleKitUp(root: string): void {
  execFileSync(process.execPath, [DRIZZLE_KIT_1, "up", "--config", "drizzle.config.mjs"], {
    cwd: root,
    env: { ...process.env, TZ: "UTC" },
    stdio: "pipe",
  });
}

/** Where converted folders are kept between test files and runs (read when used: TMPDIR may change). */
const upgradedCache = () => join(tmpdir(), "drizzle-next-upgraded");
/** A converted folder not used for a day (an older history) is removed when another is converted. */
const UNUSED_FOR_MS = 24 * 60 * 60 * 1000;

/** Whether the error is a file that is not there (another test process removed it meanwhile). */
const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** Removes the conversions of the cache folder unused for a day; one another process removed first is skipped. */
function pruneUpgraded(cache: string): void {
  for (const name of readdirSync(cache)) {
    const old = join(cache, name);
    try {
      if (Date.now() - statSync(old).mtimeMs > UNUSED_FOR_MS) rmSync(old, { recursive: true, force: true });
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
}

/**
 * 0.x folder `source` as `drizzle-kit up` converts it, converted once per content of `source` and
 * Drizzle Kit 1.0 (its version and its CLI file's size and time: a process of Drizzle Kit costs
 * about a second of CPU, and the tests convert the same history many times). Shared by every
 * caller: copy it, never change it. A conversion is renamed into place whole, so a concurrent
 * caller sees all of it or none.
 */
export function upgradedFolder(source: string): string {
  const kit = JSON.parse(readFileSync(join(dirname(DRIZZLE_KIT_1), "package.json"), "utf8")) as { version: string };
  const cli = statSync(DRIZZLE_KIT_1);
  const version = `drizzle-kit ${kit.version} ${cli.size} ${cli.mtimeMs} up`;
  const cache = upgradedCache();
  const folder = join(cache, templateFingerprint({ paths: [source], version }));
  try {
    const now = new Date();
    utimesSync(folder, now, now); // in use: not pruned for a day
    return folder;
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const project = projectWith(source);
  try {
    drizzleKitUp(project.root);
    mkdirSync(cache, { recursive: true });
    pruneUpgraded(cache);
    try {
      renameSync(project.migrations, folder);
    } catch (error) {
      if (!existsSync(folder)) throw error; // else another test file converted it first
    }
  } finally {
    project.remove();
  }
  return folder;
}

/**
 * Appends a migration to a 0.x folder as Drizzle Kit 0.x writes one: `NNNN_<name>.sql` numbered
 * after the last, a journal entry with `when`, and a snapshot (the last one's objects, a new id,
 * chained to it). Returns its tag.
 */
export function addJournalMigration(migrations: string, name: string, when: number, sql: string): string {
  const journalPath = join(migrations, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
  const last = journal.entries.at(-1);
  if (!last) throw new Error("empty journal");
  const tag = `${String(last.idx + 1).padStart(4, "0")}_${name}`;
  const snapshotPath = (t: string) => join(migrations, "meta", `${t.split("_")[0]}_snapshot.json`);
  const previous = JSON.parse(readFileSync(snapshotPath(last.tag), "utf8")) as { id: string };
  writeFileSync(snapshotPath(tag), JSON.stringify({ ...previous, id: randomUUID(), prevId: previous.id }, null, 2));
  writeFileSync(join(migrations, `${tag}.sql`), sql);
  journal.entries.push({ idx: last.idx + 1, version: "7", when, tag, breakpoints: true } as never);
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  return tag;
}

/** Adds a migration folder in the 1.0 layout: `<time>_<name>/migration.sql` (no snapshot: drizzle-orm never reads it). */
export function addFolderMigration(migrations: string, name: string, at: Date, sql: string): string {
  const stamp = at.toISOString().replace(/\D/g, "").slice(0, 14);
  const folder = `${stamp}_${name}`;
  mkdirSync(join(migrations, folder));
  writeFileSync(join(migrations, folder, "migration.sql"), sql);
  return folder;
}

/** drizzle-orm 1.0's `migrate()` on a server database or an open PGlite database. */
export async function drizzleMigrate1(
  target: { url: string } | { pglite: PGlite },
  migrationsFolder: string,
): Promise<void> {
  if ("pglite" in target) {
    await migratePglite(drizzlePglite({ client: target.pglite }), { migrationsFolder });
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await migratePg(drizzlePg({ client }), { migrationsFolder });
  } finally {
    await client.end();
  }
}
