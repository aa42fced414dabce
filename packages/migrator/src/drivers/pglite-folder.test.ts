/**
 * The embedded database in a folder (`openPgliteFolder`): made from the cached empty dump where
 * there is none yet, not by initdb, even in a folder its opener has already locked; opened again
 * as it was left, as the toolkit starts PGlite, also through a symbolic link to the folder.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { cacheDump, openEmptyPglite } from "./pglite-empty.ts";
import { openPgliteFolder } from "./pglite-folder.ts";
import { LOCK_FILE, lockPgliteFolder } from "./pglite-folder-lock.ts";
import { TEST_PGLITE_CACHE } from "./testing/empty-pglite-cache.ts";
import { publicTables, temporaryFolders } from "./testing/pglite-test-helpers.ts";

const folder = temporaryFolders("pglite-folder");

async function sharedBuffers(db: PGlite): Promise<string | undefined> {
  return (await db.query<{ shared_buffers: string }>("SHOW shared_buffers")).rows[0]?.shared_buffers;
}

/**
 * A cache folder whose empty dump has a mark: a database loaded from it has the table, one made by
 * initdb has not. Made once for the file.
 */
let marked: Promise<string> | undefined;
const markedCache = () => (marked ??= makeMarkedCache());
afterAll(async () => {
  if (marked) rmSync(await marked, { recursive: true, force: true });
});

async function makeMarkedCache(): Promise<string> {
  const cache = mkdtempSync(join(tmpdir(), "pglite-folder-cache-"));
  const marked = await openEmptyPglite({ cacheDir: TEST_PGLITE_CACHE });
  await marked.exec("CREATE TABLE marks_the_cached_dump (id integer)");
  const dump = await marked.dumpDataDir("none");
  await marked.close();
  await cacheDump(cache, new Uint8Array(await dump.arrayBuffer()));
  return cache;
}

describe("openPgliteFolder", () => {
  it("makes a new database from the cached dump in a folder holding only its opener's lock, and leaves the lock", async () => {
    const cacheDir = await markedCache();
    const dataDir = join(folder(), "database");
    const lock = lockPgliteFolder(dataDir);
    try {
      const db = await openPgliteFolder(dataDir, { cacheDir });
      expect(await publicTables(db)).toEqual(["marks_the_cached_dump"]);
      expect(await sharedBuffers(db)).toBe("32MB");
      await db.close();
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    } finally {
      lock.release();
    }
  });

  it("opens the database a folder has as it was left, with the toolkit's buffer pool, and never loads the dump over it", async () => {
    const cacheDir = await markedCache();
    const dataDir = join(folder(), "database");
    const made = await openPgliteFolder(dataDir, { cacheDir });
    await made.exec("DROP TABLE marks_the_cached_dump; CREATE TABLE written_to_the_folder (id integer)");
    await made.close();
    const again = await openPgliteFolder(dataDir, { cacheDir });
    try {
      expect(await publicTables(again)).toEqual(["written_to_the_folder"]);
      expect(await sharedBuffers(again)).toBe("32MB");
    } finally {
      await again.close();
    }
  });

  it("makes and opens the database of a folder reached through a symbolic link, in the folder it points to", async () => {
    const cacheDir = await markedCache();
    const real = join(folder(), "database");
    mkdirSync(real);
    const link = join(folder(), "link");
    symlinkSync(real, link);
    const made = await openPgliteFolder(link, { cacheDir });
    await made.exec("CREATE TABLE written_through_the_link (id integer)");
    await made.close();
    expect(existsSync(join(real, "PG_VERSION"))).toBe(true);
    const again = await openPgliteFolder(link, { cacheDir });
    try {
      expect(await publicTables(again)).toEqual(["marks_the_cached_dump", "written_through_the_link"]);
    } finally {
      await again.close();
    }
  });
});
