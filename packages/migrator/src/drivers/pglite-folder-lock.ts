/**
 * PGlite is one process's database: two processes that open one data folder at once both write to
 * it (nothing in PGlite stops them) and corrupt it. Whoever opens a folder takes this lock first: a
 * file in the folder holding the owner's pid (runtime/pid-lock.ts). A second opener gets a clear
 * error instead of a broken database.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { type PidLock, takePidLock } from "../runtime/pid-lock.ts";
import { ConnectionError } from "./connection-error.ts";

/** The lock file's name inside the data folder; the lock's other files (see pid-lock.ts) start with it. */
export const LOCK_FILE = "migrator.lock";

/** Whether an entry of a data folder is one of the lock's files, not the database's. */
export function isLockFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

/** A taken lock; `release()` gives it back (also done when the process exits). */
export type PgliteFolderLock = PidLock;

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
  let taken: ReturnType<typeof takePidLock>;
  try {
    taken = takePidLock(path);
  } catch (error) {
    // A folder that cannot be written, or a lock path that is no file (a directory there).
    throw new ConnectionError(dataDir, (error as Error).message, "unusable-embedded-folder");
  }
  if ("heldBy" in taken) {
    const who = taken.heldBy === process.pid ? "this process (opened twice)" : `another process (pid ${taken.heldBy})`;
    throw new MigratorError(
      "database-busy",
      `the embedded database ${dataDir} is open in ${who}; two processes writing one PGlite folder corrupt it`,
      `stop the other program using it (a dev server, another db: command, a test run) and run again; if none is running, delete ${path}`,
    );
  }
  if ("contended" in taken) {
    throw new MigratorError(
      "database-busy",
      `could not take the lock ${path}: another process kept taking over its dead owner's lock (${path}.break)`,
      `delete ${path} and ${path}.break if no other program is using the folder, and run again`,
    );
  }
  return taken;
}
