/**
 * The embedded database in a folder, opened as the toolkit starts PGlite (pglite-start.ts). A
 * folder with no database yet (absent, or holding nothing but its opener's lock) gets a new empty
 * one loaded from the cached empty data directory (pglite-empty.ts) instead of PGlite's initdb,
 * which is most of a first start: about 0.5 s against 2 s on a 2-core machine.
 */
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { Extensions, PGlite } from "@electric-sql/pglite";
import { isEmptyFolder, openEmptyPglite } from "./pglite-empty.ts";
import { startPglite } from "./pglite-start.ts";

/**
 * Opens (making it where there is none) the PGlite database in `folder`, with `extensions`; a new
 * one is loaded from the empty data directory dumped into `cacheDir` (none: once per process). A
 * lock file in the folder is taken to be the caller's: take it first (`lockPgliteFolder`).
 */
export async function openPgliteFolder(
  folder: string,
  options: { extensions?: Extensions; cacheDir?: string } = {},
): Promise<PGlite> {
  // PGlite cannot start in a folder reached through a symbolic link (it fails with no message): it
  // is given the folder the link points to.
  const dataDir = existsSync(folder) ? realpathSync(folder) : folder;
  const extensions = options.extensions ? { extensions: options.extensions } : {};
  if (!existsSync(join(dataDir, "PG_VERSION")) && (await isEmptyFolder(dataDir))) {
    return openEmptyPglite({ ...options, dataDir });
  }
  return startPglite({ dataDir, ...extensions });
}
