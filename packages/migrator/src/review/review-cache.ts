/**
 * The review's content-addressed cache. What the review computes from bytes that did not change
 * (a migration's parse tree, its findings over an unchanged history, the replayed schema at a
 * point of the history, Drizzle Kit's statements between two snapshots) is kept under
 * `node_modules/.cache/<toolkit>/review/`, so a pre-commit `db:review` on hundreds of migrations
 * parses only the file that changed.
 *
 * Every key hashes the inputs of what it stores and the toolkit that computed it: its name and
 * version, the version of PostgreSQL's parser, the rule ids, and the bytes of the toolkit's own
 * source files (a rule edited in place changes the key as surely as a release does). An entry
 * names its key and a checksum of its contents: a file that is cut short or damaged is not used
 * (the review computes it again and replaces it), nor one whose contents have another shape
 * (the review then runs without the cache). The checksum catches damage, not forgery: whoever
 * can write the cache can write the toolkit's files too. Entries are written to a
 * temporary file and renamed, so concurrent runs never read half an entry. A cache that cannot
 * be written (read-only, full disk) makes the run compute everything, never fail.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { builtSources } from "../build/built-sources.ts";
import { nearestPath } from "../paths/ancestor-folders.ts";
import { RULES } from "./rules/index.ts";

/**
 * What the cache holds, one folder each: `run` a history's record (findings, Drizzle Kit's
 * statements), `state` replayed schemas, `parse` packs of parse trees (`history-cache.ts`), `files`
 * what is known of a folder's files (their hashes by stat, `file-digests.ts`; its snapshots'
 * warnings).
 */
export type CacheKind = "run" | "state" | "parse" | "files";

const KINDS: readonly CacheKind[] = ["run", "state", "parse", "files"];

/** The environment variable that puts the review cache in another folder. */
export const REVIEW_CACHE_ENV = "MIGRATOR_REVIEW_CACHE";

/** What computed an entry: any change makes every key new. */
export interface ToolkitIdentity {
  name: string;
  version: string;
  /** libpg-query's version: the parse trees are its. */
  parser: string;
  rules: string[];
  /** A hash of the toolkit's source files (tests excluded). */
  sources: string;
}

/** How the cache served one run. */
export interface CacheStats {
  /** The folder. */
  dir: string;
  hits: Record<CacheKind, number>;
  misses: Record<CacheKind, number>;
  /** Entries that were there but damaged (recomputed and replaced). */
  corrupt: number;
  written: number;
  readMs: number;
  writeMs: number;
  /** Why entries could not be written (the run computed them and went on). */
  writeError?: string;
}

/** This file: `<toolkit>/src/review/review-cache.ts`, or a bundle the toolkit was built into. */
const MODULE_FILE = fileURLToPath(import.meta.url);

/** Entries untouched for this long are removed (a used entry is rewritten when it is needed again). */
const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/** How often a run looks for old entries. */
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * A hash of every file under `dir` but tests, by relative path and bytes; with `built` (the
 * running bundle's sources, `builtSources()`), of those under `dir` by path and the hash the
 * build recorded: the code that runs, though a file was saved since the process started.
 *
 * @example sourceFingerprint("node_modules/@repo/migrator/src") // "9f2c…"
 */
export function sourceFingerprint(dir: string, built?: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  if (built) {
    const inside = Object.entries(built)
      .map(([path, digest]) => [relative(dir, path), digest] as const)
      .filter(([path]) => !path.startsWith("..") && !isAbsolute(path) && !/\.test\.[cm]?[jt]s$/.test(path))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [path, digest] of inside) hash.update(`${path}\0${digest}\0`);
    return hash.digest("hex");
  }
  const walk = (folder: string, prefix: string): void => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile() && !/\.test\.[cm]?[jt]s$/.test(entry.name)) {
        hash.update(`${prefix}${entry.name}\0`);
        hash.update(readFileSync(path));
        hash.update("\0");
      }
    }
  };
  walk(dir, "");
  return hash.digest("hex");
}

let identity: ToolkitIdentity | undefined;

/**
 * This toolkit's identity (computed once per process). From its sources, the source folder is
 * fingerprinted: as `run-built` bundled it when it runs the code (a rule saved during the run is
 * not the code that runs), else as it is on disk; built into a package bundle, the bundle file is
 * (it holds the toolkit's code, and the path of the parser it imports). Throws when none of it
 * can be read: the review then runs without a cache.
 */
export function toolkitIdentity(): ToolkitIdentity {
  if (identity) return identity;
  const fromSources = /[\\/]src[\\/]review[\\/]review-cache\.[cm]?[jt]s$/.test(MODULE_FILE);
  const packageDir = dirname(nearestPath(dirname(MODULE_FILE), "package.json") ?? MODULE_FILE);
  const own = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name?: string; version?: string };
  let parser = "unknown";
  try {
    const parserPackage = createRequire(join(packageDir, "package.json")).resolve("libpg-query/package.json");
    parser = (JSON.parse(readFileSync(parserPackage, "utf8")) as { version: string }).version;
  } catch {
    // A bundle whose package does not depend on the parser itself: the bundle's bytes name its path.
  }
  identity = {
    name: own.name ?? "migrator",
    version: own.version ?? "0.0.0",
    parser,
    rules: RULES.map((rule) => rule.id),
    sources: fromSources
      ? sourceFingerprint(dirname(dirname(MODULE_FILE)), builtSources())
      : createHash("sha256").update(readFileSync(MODULE_FILE)).digest("hex"),
  };
  return identity;
}

/**
 * Where the review cache of a migrations folder lives: `$MIGRATOR_REVIEW_CACHE` when set (relative
 * to `cwd`), else `node_modules/.cache/<toolkit>/review/` in the nearest `node_modules` above the
 * folder, else above `cwd`; undefined when there is none (the review then runs without a cache).
 */
export function reviewCacheDir(options: { env: NodeJS.ProcessEnv; folder: string; cwd: string }): string | undefined {
  const configured = options.env[REVIEW_CACHE_ENV];
  if (configured) return resolve(options.cwd, configured);
  // The node_modules a module in the folder (else in cwd) would load packages from.
  const modules = nearestPath(options.folder, "node_modules") ?? nearestPath(options.cwd, "node_modules");
  return modules && join(modules, ".cache", ...toolkitIdentity().name.split("/"), "review");
}

/** The first word of every entry; a new layout of entries gets a new one. */
const FORMAT = "v1";

const counters = (): Record<CacheKind, number> => ({ run: 0, state: 0, parse: 0, files: 0 });

/** The review cache in one folder. */
export class ReviewCache {
  readonly stats: CacheStats;
  readonly #prefix: string;
  readonly #made = new Set<CacheKind>();

  /** `toolkit` defaults to this toolkit's identity; a different one never sees these entries. */
  constructor(
    readonly dir: string,
    toolkit: ToolkitIdentity = toolkitIdentity(),
  ) {
    this.#prefix = createHash("sha256").update(JSON.stringify(toolkit)).digest("hex");
    this.stats = { dir, hits: counters(), misses: counters(), corrupt: 0, written: 0, readMs: 0, writeMs: 0 };
  }

  /** The key of what is computed from `parts` (each part counted by its length, so no two lists collide). */
  key(kind: string, ...parts: readonly string[]): string {
    const hash = createHash("sha256").update(`${this.#prefix}\0${kind}`);
    for (const part of parts) hash.update(`\0${part.length}\0${part}`);
    return hash.digest("hex");
  }

  /** The entry, or undefined when it is missing or damaged. */
  read<T>(kind: CacheKind, key: string): T | undefined {
    const started = performance.now();
    try {
      const value = this.#read(kind, key);
      this.stats[value === undefined ? "misses" : "hits"][kind]++;
      return value as T | undefined;
    } finally {
      this.stats.readMs += performance.now() - started;
    }
  }

  #read(kind: CacheKind, key: string): unknown {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.#path(kind, key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.stats.corrupt++;
      return undefined;
    }
    const newline = bytes.indexOf(10);
    const body = bytes.subarray(newline + 1);
    const [version, storedKey, checksum] = bytes.subarray(0, Math.max(newline, 0)).toString("latin1").split(" ");
    if (
      newline < 0 ||
      version !== FORMAT ||
      storedKey !== key ||
      checksum !== createHash("sha256").update(body).digest("hex")
    ) {
      this.stats.corrupt++;
      return undefined;
    }
    try {
      return JSON.parse(body.toString("utf8")) as unknown;
    } catch {
      this.stats.corrupt++;
      return undefined;
    }
  }

  /** Stores an entry; a cache that cannot be written is noted in `stats.writeError` and left alone. */
  write(kind: CacheKind, key: string, value: unknown): void {
    if (this.stats.writeError !== undefined) return;
    const started = performance.now();
    const path = this.#path(kind, key);
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      if (!this.#made.has(kind)) {
        mkdirSync(join(this.dir, kind), { recursive: true });
        this.#made.add(kind);
      }
      const body = Buffer.from(JSON.stringify(value));
      const checksum = createHash("sha256").update(body).digest("hex");
      const file = openSync(temporary, "w");
      try {
        writeSync(file, `${FORMAT} ${key} ${checksum}\n`);
        writeSync(file, body);
      } finally {
        closeSync(file);
      }
      renameSync(temporary, path);
      this.stats.written++;
    } catch (error) {
      this.stats.writeError = `${this.dir}: ${(error as Error).message}`;
      try {
        rmSync(temporary, { force: true });
      } catch {
        // The folder itself is unusable: there is no temporary file to remove.
      }
    } finally {
      this.stats.writeMs += performance.now() - started;
    }
  }

  /**
   * Removes entries (and temporary files of runs that died) untouched for a month, at most once a
   * day: the cache keeps what current histories use and does not grow without end.
   */
  prune(now = Date.now()): void {
    if (this.stats.writeError !== undefined || !existsSync(this.dir)) return;
    const marker = join(this.dir, ".pruned");
    try {
      if (existsSync(marker) && now - statSync(marker).mtimeMs < PRUNE_EVERY_MS) return;
      for (const kind of KINDS) {
        const folder = join(this.dir, kind);
        if (!existsSync(folder)) continue;
        for (const name of readdirSync(folder)) {
          const path = join(folder, name);
          const age = now - statSync(path).mtimeMs;
          if (age > MAX_AGE_MS || (name.endsWith(".tmp") && age > 60 * 60 * 1000)) rmSync(path, { force: true });
        }
      }
      writeFileSync(marker, "");
      utimesSync(marker, new Date(now), new Date(now));
    } catch {
      // Another run pruning at the same time, or a file gone meanwhile: the next run tries again.
    }
  }

  #path(kind: CacheKind, key: string): string {
    return join(this.dir, kind, `${key}.json`);
  }
}
