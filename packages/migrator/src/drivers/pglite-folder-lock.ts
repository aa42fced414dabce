/**
 * PGlite is one process's database: two processes that open one data folder at once both write to
 * it (nothing in PGlite stops them) and corrupt it. Whoever opens a folder takes this lock first: a
 * file in the folder holding the owner's pid. A second opener gets a clear error instead of a
 * broken database.
 *
 * Both steps are safe when processes race (several commands started at once):
 * - the lock file is made whole: the pid is written to a file of the opener's own, which is then
 *   hard-linked as the lock (a link fails where the lock exists), so no one ever reads a lock
 *   without its pid in it and takes it for a dead one;
 * - a lock whose process is gone is taken over under a second lock, `<lock>.break` (made with
 *   O_EXCL), and only while it still holds the pid found dead: of two openers that found one dead
 *   lock, the second cannot remove the lock the first has taken since. A `<lock>.break` left by a
 *   process that died in those microseconds is removed after a second; two openers that find such
 *   a leftover at once can still both remove it, the one race left (it needs that crash first).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { ConnectionError } from "./connection-error.ts";

/** The lock file's name inside the data folder; the lock's other files (see above) start with it. */
export const LOCK_FILE = "migrator.lock";

/** Whether an entry of a data folder is one of the lock's files, not the database's. */
export function isLockFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

/**
 * A `<lock>.break` older than this was left by a process that died taking a lock over (taking one
 * over takes microseconds). Shorter than {@link WAIT_MS}, so an opener outwaits one.
 */
const STALE_BREAK_MS = 1000;
/** How long an opener waits for another to finish taking a dead lock over before it gives up. */
const WAIT_MS = 3000;

const held = new Set<string>();
let exitHook = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Blocks this thread for `ms` (the lock is taken synchronously). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A taken lock; `release()` gives it back (also done when the process exits). */
export interface PgliteFolderLock {
  release(): void;
}

/** The lock's text, or undefined when there is no lock file. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Makes the lock file with this process's pid in it: true, or false when a lock file is there.
 * Where the file system has no hard links, the file is made with O_EXCL and then written.
 */
function createLock(path: string): boolean {
  const own = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(own, String(process.pid));
  try {
    linkSync(own, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw fallback;
    }
  } finally {
    rmSync(own, { force: true });
  }
}

/**
 * Removes the lock file if it still reads `seen` (a dead process's lock), under `<lock>.break`:
 * false when another opener is taking it over right now (try again shortly).
 */
function breakLock(path: string, seen: string): boolean {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, "wx"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const age = Date.now() - (statSync(breaker, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_BREAK_MS) rmSync(breaker, { force: true });
    return false;
  }
  try {
    if (readLock(path) === seen) rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

/**
 * Takes the lock of an embedded database folder (creating the folder). Throws a `MigratorError`
 * (`database-busy`) naming the process that holds it, and a `ConnectionError`
 * (`unusable-embedded-folder`, exit 4) where the path cannot be the folder.
 */
export function lockPgliteFolder(dataDir: string): PgliteFolderLock {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    // A file there, a link to nowhere, a folder above that cannot be written.
    throw new ConnectionError(dataDir, (error as Error).message, "unusable-embedded-folder");
  }
  const path = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    let seen: string | undefined;
    try {
      if (createLock(path)) return holding(path);
      seen = readLock(path);
    } catch (error) {
      // A folder that cannot be written, or a lock path that is no file (a directory there).
      throw new ConnectionError(dataDir, (error as Error).message, "unusable-embedded-folder");
    }
    if (seen === undefined) continue; // released meanwhile: try again
    const owner = Number(seen.trim());
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      const who = owner === process.pid ? "this process (opened twice)" : `another process (pid ${owner})`;
      throw new MigratorError(
        "database-busy",
        `the embedded database ${dataDir} is open in ${who}; two processes writing one PGlite folder corrupt it`,
        `stop the other program using it (a dev server, another db: command, a test run) and run again; if none is running, delete ${path}`,
      );
    }
    let broken: boolean;
    try {
      broken = breakLock(path, seen);
    } catch (error) {
      throw new ConnectionError(dataDir, (error as Error).message, "unusable-embedded-folder");
    }
    if (!broken) sleep(10);
  }
  throw new MigratorError(
    "database-busy",
    `could not take the lock ${path}: another process kept taking over its dead owner's lock (${path}.break)`,
    `delete ${path} and ${path}.break if no other program is using the folder, and run again`,
  );
}

/** The lock at `path`, now this process's: released on `release()` or when the process exits. */
function holding(path: string): PgliteFolderLock {
  held.add(path);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const lock of held) rmSync(lock, { force: true });
    });
  }
  return {
    release() {
      if (held.delete(path)) rmSync(path, { force: true });
    },
  };
}
