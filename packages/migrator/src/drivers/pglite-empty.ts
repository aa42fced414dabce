/**
 * Fresh, empty PGlite databases, in memory or in a folder, without paying initdb each time.
 * initdb is most of a new PGlite's start-up (about 2 s on a 2-core machine, against about 0.5 s to
 * load a dumped data directory), so the empty data directory is dumped once per PGlite version,
 * kept in a cache folder (and in memory for the rest of the process), and every database after
 * the first loads it. The dump is loaded only when its bytes match the SHA-256 digest written
 * beside it: a file cut short, zeroed by a crash or damaged is made again (PGlite fails on such a
 * file in ways it cannot recover from: an unhandled error, a process that never exits, a database
 * with broken pages). A cache folder that cannot be read or written only costs the initdb.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Extensions, PGlite } from "@electric-sql/pglite";
import { isLockFile } from "./pglite-folder-lock.ts";
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

const digestFile = (file: string) => `${file}.sha256`;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Writes `content` to `file` aside and renames it: a concurrent reader never sees half a file. */
async function writeWhole(file: string, content: string | Uint8Array): Promise<void> {
  const partial = `${file}.${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await writeFile(partial, content);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Keeps `dump` (an empty data directory's tar) in `cacheDir` for the next databases: its digest,
 * then the dump. Two processes writing at once may leave one's digest beside the other's dump,
 * which only costs the next reader an initdb. Throws when the folder cannot be written.
 */
export async function cacheDump(cacheDir: string, dump: Uint8Array): Promise<void> {
  const file = cacheFile(cacheDir);
  await mkdir(cacheDir, { recursive: true });
  await writeWhole(digestFile(file), `${sha256(dump)}\n`);
  await writeWhole(file, dump);
}

/** The cached dump when its bytes match the digest beside it; undefined when either is missing or they differ. */
async function verifiedCache(cacheDir: string): Promise<Buffer | undefined> {
  const file = cacheFile(cacheDir);
  const [bytes, digest] = await Promise.all([
    readFile(file).catch(() => undefined),
    readFile(digestFile(file), "utf8").catch(() => undefined),
  ]);
  return bytes && digest?.trim() === sha256(bytes) ? bytes : undefined;
}

async function cachedDump(cacheDir: string | undefined): Promise<Blob> {
  if (!cacheDir) return initdbDump();
  const cached = await verifiedCache(cacheDir);
  if (cached) return new Blob([cached]);
  const dump = await initdbDump();
  await cacheDump(cacheDir, new Uint8Array(await dump.arrayBuffer())).catch(() => undefined);
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

/** What `folder` holds but the lock files of whoever opens it (pglite-folder-lock.ts): nothing when it is absent. */
async function folderEntries(folder: string): Promise<string[]> {
  const entries = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((entry) => !isLockFile(entry));
}

/** Whether `folder` is absent or holds nothing but its opener's lock: where a new empty database may be made. */
export async function isEmptyFolder(folder: string): Promise<boolean> {
  return (await folderEntries(folder)).length === 0;
}

/**
 * Opens a new, empty PGlite with `extensions`, in memory or in the folder `dataDir` (absent, or
 * empty but for its opener's lock: a `migrator.lock` in it is taken to be the caller's, so take the
 * lock first), loaded from the empty data directory dumped once into `cacheDir` (none: once per
 * process). A load that fails takes back what it wrote into the folder.
 */
export async function openEmptyPglite(
  options: { extensions?: Extensions; cacheDir?: string; dataDir?: string } = {},
): Promise<PGlite> {
  const { dataDir } = options;
  if (dataDir && !(await isEmptyFolder(dataDir))) {
    throw new Error(`${dataDir} is not empty: a new empty database is made in an empty or absent folder only`);
  }
  const loadDataDir = await dumpFor(options.cacheDir ?? "", options.cacheDir);
  const extensions = options.extensions ? { extensions: options.extensions } : {};
  if (dataDir) await mkdir(dataDir, { recursive: true });
  try {
    return await startPglite({ ...(dataDir ? { dataDir } : {}), loadDataDir, ...extensions });
  } catch (error) {
    // The folder held nothing: what the failed load left in it goes (its opener's lock stays).
    if (dataDir) {
      for (const entry of await folderEntries(dataDir).catch(() => []))
        await rm(join(dataDir, entry), { recursive: true, force: true }).catch(() => undefined);
    }
    throw error;
  }
}
