/**
 * Content hashes of files, remembered between runs by their stat, as git's index remembers which
 * files are unchanged: a file whose size, modification and change times, inode and device are
 * what they were when it was hashed has the bytes it had, so a warm `db:review` stats each of a
 * long history's snapshots (microseconds) instead of reading and hashing all of them (megabytes
 * each in a large schema).
 *
 * The change time cannot be set back (a tool that restores a modification time still moves it)
 * and a file replaced by a rename has a new inode. As in git, a hash is remembered only for a file
 * last modified {@link SETTLED_MS} or more before it was read: a write within the file system's
 * time granularity after the read could otherwise leave its times as they were (some keep one or
 * two seconds). A file modified just before is read again next run.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { ReviewCache } from "./review-cache.ts";

/** How long a file must have been untouched for its stat to vouch for its bytes. */
const SETTLED_MS = 2000;

/** A file's stat as remembered with its hash: size, mtime, ctime (ms), inode, device. */
type Stamp = [number, number, number, number, number];

/** The cache entry: per path, the stamp it had when hashed and the hash. */
type DigestIndex = Record<string, [Stamp, string]>;

/** The file's stamp; undefined when there is no file (a missing snapshot is common: no exception for it). */
function stampOf(path: string): Stamp | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  return s && [s.size, s.mtimeMs, s.ctimeMs, s.ino, s.dev];
}

const sameStamp = (a: Stamp, b: Stamp) => a.every((value, i) => value === b[i]);

/** Whether the file still has `stamp` (false when it is gone). */
function unchangedSince(path: string, stamp: Stamp): boolean {
  try {
    const now = stampOf(path);
    return now !== undefined && sameStamp(stamp, now);
  } catch {
    return false;
  }
}

/** The stored index when it has the index's shape (an entry of another shape is not trusted): else an empty one. */
function validIndex(stored: unknown): DigestIndex {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return {};
  const entries = Object.values(stored as Record<string, unknown>);
  const valid = entries.every(
    (entry) =>
      Array.isArray(entry) &&
      entry.length === 2 &&
      Array.isArray(entry[0]) &&
      entry[0].length === 5 &&
      entry[0].every((n) => typeof n === "number") &&
      typeof entry[1] === "string",
  );
  return valid ? (stored as DigestIndex) : {};
}

/** One folder's file hashes, reused from the last run where the stat vouches for them. */
export class FileDigests {
  readonly #cache: ReviewCache | undefined;
  readonly #key: string;
  readonly #known: DigestIndex;
  readonly #now: DigestIndex = {};
  /**
   * What this run answered for each file (asked again, e.g. by the differ's keys and then the
   * warnings), with the stamp it had then: {@link unchangedSinceRead} tells whether one was written since.
   */
  readonly #seen = new Map<string, [Stamp | undefined, string]>();
  #read = 0;
  #changed = false;

  /** `scope` names the folder (each has one index); without a cache every file is read. */
  constructor(cache: ReviewCache | undefined, scope: string) {
    this.#cache = cache;
    this.#key = cache?.key("digests", scope) ?? "";
    this.#known = validIndex(cache?.read<unknown>("files", this.#key));
  }

  /**
   * The SHA-256 of the file's bytes (hex), `missing`, or `unreadable: <why>`: from the last run's
   * index when its stat is unchanged, else read and hashed.
   */
  digest(path: string): string {
    const seen = this.#seen.get(path);
    if (seen) return seen[1];
    let stamp: Stamp | undefined;
    try {
      stamp = stampOf(path);
    } catch (error) {
      return `unreadable: ${(error as Error).message}`;
    }
    if (!stamp) {
      this.#seen.set(path, [undefined, "missing"]);
      return "missing";
    }
    const known = this.#known[path];
    if (known && sameStamp(known[0], stamp)) {
      this.#now[path] = known;
      this.#seen.set(path, [stamp, known[1]]);
      return known[1];
    }
    const started = Date.now();
    let hash: string;
    try {
      hash = createHash("sha256").update(readFileSync(path)).digest("hex");
    } catch (error) {
      return `unreadable: ${(error as Error).message}`;
    }
    this.#read++;
    this.#seen.set(path, [stamp, hash]);
    // Remembered only when the file was settled before the read and did not change during it.
    if (started - stamp[1] >= SETTLED_MS && unchangedSince(path, stamp)) {
      this.#now[path] = [stamp, hash];
      this.#changed = true;
    }
    return hash;
  }

  /**
   * Whether every file this run answered for still has the stamp it had then (or is still
   * missing): false when one was written since, so what was computed from its bytes (parsed after
   * it was hashed) may belong to other bytes than its hash says, and must not be kept under it.
   */
  unchangedSinceRead(): boolean {
    return [...this.#seen].every(([path, [stamp]]) => {
      try {
        return stamp ? unchangedSince(path, stamp) : stampOf(path) === undefined;
      } catch {
        return false;
      }
    });
  }

  /** How many files this run read and hashed (the rest came from the index). */
  get filesRead(): number {
    return this.#read;
  }

  /** Writes the index of the files this run asked about, when it differs from the last run's. */
  save(): void {
    const dropped = Object.keys(this.#known).some((path) => !(path in this.#now));
    if (this.#cache && (this.#changed || dropped)) this.#cache.write("files", this.#key, this.#now);
  }
}
