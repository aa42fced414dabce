/**
 * Test databases on the embedded PGlite: a data directory, migrated once and kept in a cache
 * folder, and a copy of it per test file. Booting from a copied data directory skips PGlite's
 * initdb and the migration replay (measured here: ~0.4 s instead of ~2 s). The template is built
 * in a temporary folder and renamed into place at the end, under a lock folder, so workers that
 * start together build it once and never copy a half-built one.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { TemplateBuildError } from "./template-build-error.ts";

/** Opens (creating if needed) a PGlite database in a folder, with the extensions the schema needs. */
export type OpenPglite = (dataDir: string) => Promise<PGlite>;

const LOCK_POLL_MS = 50;
const LOCK_TIMEOUT_MS = 5 * 60_000;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock folder, or returns false when another live process holds it. A dead holder's lock is removed. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, "pid"), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(await readFile(join(lock, "pid"), "utf8").catch(() => ""));
    if (holder > 0 && !processAlive(holder)) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

/** Runs `build(folder)` into a temporary folder and renames it to `target`, once across processes (lock folder). */
async function buildOnce(target: string, build: (folder: string) => Promise<void>): Promise<string> {
  if (await exists(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const lock = `${target}.lock`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  while (!(await tryLock(lock))) {
    if (await exists(target)) return target;
    if (Date.now() > deadline) {
      throw new TemplateBuildError(
        target,
        "pglite",
        `waited ${LOCK_TIMEOUT_MS / 1000} s for the lock ${lock}; remove it if no test run is building the template`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    if (await exists(target)) return target;
    const building = `${target}.build-${process.pid}`;
    await rm(building, { recursive: true, force: true });
    try {
      await build(building);
      await rename(building, target);
    } catch (error) {
      await rm(building, { recursive: true, force: true });
      throw error instanceof TemplateBuildError
        ? error
        : new TemplateBuildError(target, "pglite", error instanceof Error ? error.message : String(error));
    }
    return target;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function withPglite(open: OpenPglite, dataDir: string, fn: (pglite: PGlite) => Promise<void>): Promise<void> {
  const pglite = await open(dataDir);
  try {
    await fn(pglite);
  } finally {
    await pglite.close();
  }
}

/**
 * Makes sure the migrated data directory `<cacheDir>/<name>` exists, building it if not: copies
 * the empty base data directory `<cacheDir>/<baseName>` (initdb'd once and kept, since initdb is
 * most of PGlite's start-up cost), opens it, runs `prepare`, closes it and renames the folder.
 */
export async function ensurePgliteTemplate(
  cacheDir: string,
  names: { template: string; base: string },
  open: OpenPglite,
  prepare: (pglite: PGlite, dataDir: string) => Promise<void>,
  prune?: { prefix: string; unusedForMs: number },
): Promise<string> {
  const template = join(cacheDir, names.template);
  if (await exists(template)) return template;
  const base = await buildOnce(join(cacheDir, names.base), (folder) => withPglite(open, folder, async () => undefined));
  await buildOnce(template, async (folder) => {
    await mkdir(folder, { recursive: true });
    await copyFolder(base, folder);
    await withPglite(open, folder, (pglite) => prepare(pglite, folder));
  });
  if (prune) await prunePgliteTemplates(cacheDir, prune.prefix, prune.unusedForMs);
  return template;
}

/**
 * Removes the template folders named `prefix…` not used for `unusedForMs` (their modification
 * time, which every clone refreshes), so old templates do not pile up in the cache folder.
 */
async function prunePgliteTemplates(cacheDir: string, prefix: string, unusedForMs: number): Promise<void> {
  for (const entry of await readdir(cacheDir)) {
    if (!entry.startsWith(prefix) || entry.includes(".")) continue;
    const folder = join(cacheDir, entry);
    const { mtimeMs } = await stat(folder);
    if (Date.now() - mtimeMs >= unusedForMs) await rm(folder, { recursive: true, force: true });
  }
}

/** Copies a folder with the system's `cp` (3–5× faster than Node's on a data directory's ~1,100 files), else Node's. */
async function copyFolder(from: string, to: string): Promise<void> {
  const copied = await new Promise<boolean>((resolve) => {
    execFile("cp", ["-R", `${from}/.`, to], (error) => resolve(!error));
  });
  if (!copied) await cp(from, to, { recursive: true, force: true });
}

/** Copies the template's data directory to a new temporary folder and returns its path. */
export async function clonePgliteDataDir(template: string, prefix: string): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const now = new Date();
  await utimes(template, now, now);
  await copyFolder(template, dataDir);
  return dataDir;
}
