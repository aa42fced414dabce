import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { beforeAll, describe, expect, it } from "vitest";
import { cacheDump, openEmptyPglite, pgliteVersion } from "./pglite-empty.ts";
import { LOCK_FILE, lockPgliteFolder } from "./pglite-folder-lock.ts";
import { TEST_PGLITE_CACHE } from "./testing/empty-pglite-cache.ts";
import { publicTables, temporaryFolders } from "./testing/pglite-test-helpers.ts";

const cacheDir = temporaryFolders("pglite-empty");

const filledDump = () => readFileSync(join(TEST_PGLITE_CACHE, `pglite-empty-${pgliteVersion()}.tar`));

describe("openEmptyPglite", () => {
  // The cache folder the toolkit's tests share (filled by the first test file that needs it): the
  // last test shows a dump being written to an empty one.
  const filled = TEST_PGLITE_CACHE;
  beforeAll(async () => {
    await (await openEmptyPglite({ cacheDir: filled })).close();
  });

  it("gives empty, independent databases and keeps the empty data directory in the cache folder", async () => {
    expect(statSync(join(filled, `pglite-empty-${pgliteVersion()}.tar`)).size).toBeGreaterThan(0);
    const first = await openEmptyPglite({ cacheDir: filled });
    const second = await openEmptyPglite({ cacheDir: filled });
    try {
      await first.exec("CREATE TABLE only_in_first (id integer)");
      expect(await publicTables(first)).toEqual(["only_in_first"]);
      expect(await publicTables(second)).toEqual([]);
      // Started with the toolkit's small buffer pool (pglite-start.ts), not the dump's 128 MB.
      const { rows } = await first.query<{ shared_buffers: string }>("SHOW shared_buffers");
      expect(rows[0]?.shared_buffers).toBe("32MB");
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("loads the cached dump instead of running initdb", async () => {
    const dir = cacheDir();
    const marked = await openEmptyPglite({ cacheDir: filled });
    await marked.exec("CREATE TABLE marks_the_cached_dump (id integer)");
    const dump = await marked.dumpDataDir("none");
    await marked.close();
    await cacheDump(dir, new Uint8Array(await dump.arrayBuffer()));
    const db = await openEmptyPglite({ cacheDir: dir });
    try {
      expect(await publicTables(db)).toEqual(["marks_the_cached_dump"]);
    } finally {
      await db.close();
    }
  });

  it("makes a new database in an absent folder from the cached dump, which PGlite opens again as it left it", async () => {
    const dataDir = join(cacheDir(), "new-database");
    const markedDir = cacheDir();
    // A dump with a mark: the folder is loaded from it, not made by initdb.
    const marked = await openEmptyPglite({ cacheDir: filled });
    await marked.exec("CREATE TABLE marks_the_cached_dump (id integer)");
    await cacheDump(markedDir, new Uint8Array(await (await marked.dumpDataDir("none")).arrayBuffer()));
    await marked.close();
    const db = await openEmptyPglite({ cacheDir: markedDir, dataDir });
    await db.exec("CREATE TABLE written_to_the_folder (id integer)");
    await db.close();
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    const again = await PGlite.create(dataDir);
    try {
      expect(await publicTables(again)).toEqual(["marks_the_cached_dump", "written_to_the_folder"]);
    } finally {
      await again.close();
    }
  });

  it("refuses a folder that has files, and leaves them", async () => {
    const dataDir = cacheDir();
    writeFileSync(join(dataDir, "keep.txt"), "someone's file");
    await expect(openEmptyPglite({ cacheDir: filled, dataDir })).rejects.toThrow(
      `${dataDir} is not empty: a new empty database is made in an empty or absent folder only`,
    );
    expect(readdirSync(dataDir)).toEqual(["keep.txt"]);
  });

  // One test: making the dump again is an initdb (2–3 s).
  it("makes a cached dump that no longer matches its digest again before loading anything, and leaves the folder's lock", async () => {
    const dir = cacheDir();
    const file = join(dir, `pglite-empty-${pgliteVersion()}.tar`);
    // A whole dump and its digest, then the dump zeroed, as a crash can leave a file written
    // without fsync: handed to PGlite, it ended the process with an unhandled error.
    const whole = filledDump();
    await cacheDump(dir, whole);
    writeFileSync(file, Buffer.alloc(whole.length));
    const dataDir = join(dir, "new-database");
    // Taken as a command takes it before it opens the folder.
    const lock = lockPgliteFolder(dataDir);
    const db = await openEmptyPglite({ cacheDir: dir, dataDir });
    try {
      expect(await publicTables(db)).toEqual([]);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    } finally {
      await db.close();
      lock.release();
    }
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    // Made again whole, with a digest that matches it.
    const made = readFileSync(file);
    expect(made.some((byte) => byte !== 0)).toBe(true);
    expect(readFileSync(`${file}.sha256`, "utf8").trim()).toBe(createHash("sha256").update(made).digest("hex"));
  });
});
