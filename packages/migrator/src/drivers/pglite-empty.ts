/**
 * Fresh, empty PGlite databases, in memory or in a folder, without paying initdb each time.
 * initdb is most of a new PGlite's start-up (about 2 s on a 2-core machine, against about 0.5 s to
 * load a dumped data directory), so the empty data directory is dumped once per PGlite version,
 * kept in a cache folder (and in memory for the rest of the process), and every database after
 * the first loads it. A cache folder that cannot be read or written only costs the initdb.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Extensions, PGlite } from "@electric-sql/pglite";
import { LOCK_FILE } from "./pglite-folder-lock.ts";
import { startPglite } from "./pglite-start.ts";

const dumps = new Map<string, Promise<Blob>>();

/** The installed PGlite version: a data directory only loads under the version that wrote it. */
export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

async function initdbDump(): Promise<Blob> {
  const db = await startPglite({});
  try {
    return await db.dumpDataDir("none");
  } finally {
    await db.close();
  }
}

function cacheFile(cacheDir: string): string {
  return join(cacheDir, `pglite-empty-${pgliteVersion()}.tar`);
}

async function cachedDump(cacheDir: string | undefined): Promise<Blob> {
  if (!cacheDir) return initdbDump();
  const file = cacheFile(cacheDir);
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return new Blob([cached]);
  const dump = await initdbDump();
  // Written aside and renamed, so a concurrent reader never loads half a file.
  const partial = `${file}.${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(cacheDir, { recursive: true })
    .then(async () => writeFile(partial, Buffer.from(await dump.arrayBuffer())))
    .then(() => rename(partial, file))
    .catch(() => rm(partial, { force: true }));
  return dump;
}

function dumpFor(key: string, cacheDir: string | undefined): Promise<Blob> {
  let dump = dumps.get(key);
  if (!dump) {
    dump = cachedDump(cacheDir);
    dumps.set(key, dump);
    dump.catch(() => dumps.delete(key));
  }
  return dump;
}

/** What `folder` holds but the lock of whoever opens it (pglite-folder-lock.ts): nothing when it is absent. */
async function folderEntries(folder: string): Promise<string[]> {
  const entries = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((entry) => entry !== LOCK_FILE);
}

/** Whether `folder` is absent or holds nothing but its opener's lock: where a new empty database may be made. */
export async function isEmptyFolder(folder: string): Promise<boolean> {
  return (await folderEntries(folder)).length === 0;
}

/**
 * Opens a new, empty PGlite with `extensions`, in memory or in the folder `dataDir` (absent, or
 * empty but for its opener's lock), loaded from the empty data directory dumped once into
 * `cacheDir` (none: once per process). A cached dump that does not load (damaged, cut short) is
 * removed and made again.
 */
export async function openEmptyPglite(
  options: { extensions?: Extensions; cacheDir?: string; dataDir?: string } = {},
): Promise<PGlite> {
  const key = options.cacheDir ?? "";
  const { dataDir } = options;
  if (dataDir && !(await isEmptyFolder(dataDir))) {
    throw new Error(`${dataDir} is not empty: a new empty database is made in an empty or absent folder only`);
  }
  const open = async () => {
    const loadDataDir = await dumpFor(key, options.cacheDir);
    const extensions = options.extensions ? { extensions: options.extensions } : {};
    if (dataDir) await mkdir(dataDir, { recursive: true });
    return startPglite({ ...(dataDir ? { dataDir } : {}), loadDataDir, ...extensions });
  };
  try {
    return await open();
  } catch (error) {
    if (!options.cacheDir) throw error;
    dumps.delete(key);
    await rm(cacheFile(options.cacheDir), { force: true });
    // The folder was empty or absent: what the failed load left in it goes (its opener's lock stays).
    if (dataDir)
      for (const entry of await folderEntries(dataDir))
        await rm(join(dataDir, entry), { recursive: true, force: true });
    return open();
  }
}
