/**
 * PGlite is one process's database: two processes that open one data folder at once both write to
 * it (nothing in PGlite stops them) and corrupt it. Whoever opens a folder takes this lock first: a
 * file in the folder holding the owner's pid, taken atomically; a lock whose process is gone is
 * taken over. A second opener gets a clear error instead of a broken database.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { ConnectionError } from "./connection-error.ts";

/** The lock file's name inside the data folder. */
export const LOCK_FILE = "migrator.lock";

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

/** A taken lock; `release()` gives it back (also done when the process exits). */
export interface PgliteFolderLock {
  release(): void;
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
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
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
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConnectionError(dataDir, (error as Error).message, "unusable-embedded-folder");
      }
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        const who = owner === process.pid ? "this process (opened twice)" : `another process (pid ${owner})`;
        throw new MigratorError(
          "database-busy",
          `the embedded database ${dataDir} is open in ${who}; two processes writing one PGlite folder corrupt it`,
          `stop the other program using it (a dev server, another db: command, a test run) and run again; if none is running, delete ${path}`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new MigratorError("database-busy", `could not take the lock ${path}`, `delete ${path} and run again`);
}
