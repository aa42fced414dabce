/**
 * A lock file holding its owner's pid: one process at a time does what it guards (opens an
 * embedded database folder, converts a migrations folder), and a second learns who holds it.
 *
 * Both steps are safe when processes race (several commands started at once):
 * - the lock file is made whole: the pid is written to a file of the taker's own, which is then
 *   hard-linked as the lock (a link fails where the lock exists), so no one ever reads a lock
 *   without its pid in it and takes it for a dead one;
 * - a lock whose process is gone is taken over under a second lock, `<lock>.break` (made with
 *   O_EXCL), and only while it still holds the pid found dead: of two takers that found one dead
 *   lock, the second cannot remove the lock the first has taken since. A `<lock>.break` left by a
 *   process that died in those microseconds is removed after a second; two takers that find such
 *   a leftover at once can still both remove it, the one race left (it needs that crash first).
 */
import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

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
export interface PidLock {
  release(): void;
}

/**
 * Takes the lock file `path`: the lock, `{ heldBy }` when a live process holds it (this one's own
 * pid when it took it already), or `{ contended: true }` when other takers kept taking over a dead
 * owner's lock for a few seconds. File system errors (a folder that cannot be written, a directory
 * at `path`) are thrown as they are: the caller names what the path is for.
 */
export function takePidLock(path: string): PidLock | { heldBy: number } | { contended: true } {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (createLock(path)) return holding(path);
    const seen = readLock(path);
    if (seen === undefined) continue; // released meanwhile: try again
    const owner = Number(seen.trim());
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) return { heldBy: owner };
    if (!breakLock(path, seen)) sleep(10);
  }
  return { contended: true };
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

/** The lock at `path`, now this process's: released on `release()` or when the process exits. */
function holding(path: string): PidLock {
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
