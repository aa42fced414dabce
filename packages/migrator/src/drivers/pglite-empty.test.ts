import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openEmptyPglite, pgliteVersion } from "./pglite-empty.ts";
import { LOCK_FILE, lockPgliteFolder } from "./pglite-folder-lock.ts";
import { TEST_PGLITE_CACHE } from "./testing/empty-pglite-cache.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function cacheDir(): string {
  const folder = mkdtempSync(join(tmpdir(), "pglite-empty-"));
  folders.push(folder);
  return folder;
}

async function tables(db: Awaited<ReturnType<typeof openEmptyPglite>>): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

/** The tar `archive` up to the end of its member `name` (512-byte headers, data padded to 512). */
function cutAfter(archive: Buffer, name: string): Buffer {
  for (let at = 0; at + 512 <= archive.length;) {
    const member = archive.toString("latin1", at, at + 100).replace(/\0.*$/s, "");
    const size = parseInt(
      archive
        .toString("latin1", at + 124, at + 136)
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    const end = at + 512 + Math.ceil(size / 512) * 512;
    if (member === name) return archive.subarray(0, end);
    at = end;
  }
  throw new Error(`${name} is not in the archive`);
}

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
      expect(await tables(first)).toEqual(["only_in_first"]);
      expect(await tables(second)).toEqual([]);
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
    writeFileSync(join(dir, `pglite-empty-${pgliteVersion()}.tar`), Buffer.from(await dump.arrayBuffer()));
    const db = await openEmptyPglite({ cacheDir: dir });
    try {
      expect(await tables(db)).toEqual(["marks_the_cached_dump"]);
    } finally {
      await db.close();
    }
  });

  it("makes a new database in an absent folder from the cached dump, which PGlite opens again as it left it", async () => {
    const dataDir = join(cacheDir(), "new-database");
    const marker = join(cacheDir(), `pglite-empty-${pgliteVersion()}.tar`);
    // A dump with a mark: the folder is loaded from it, not made by initdb.
    const marked = await openEmptyPglite({ cacheDir: filled });
    await marked.exec("CREATE TABLE marks_the_cached_dump (id integer)");
    writeFileSync(marker, Buffer.from(await (await marked.dumpDataDir("none")).arrayBuffer()));
    await marked.close();
    const db = await openEmptyPglite({ cacheDir: join(marker, ".."), dataDir });
    await db.exec("CREATE TABLE written_to_the_folder (id integer)");
    await db.close();
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    const again = await PGlite.create(dataDir);
    try {
      expect(await tables(again)).toEqual(["marks_the_cached_dump", "written_to_the_folder"]);
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

  // One test for both: making the dump again is an initdb (2–3 s).
  it("makes a damaged cached dump again instead of failing, and clears what it left in the folder but its opener's lock", async () => {
    const dir = cacheDir();
    const file = join(dir, `pglite-empty-${pgliteVersion()}.tar`);
    // A real dump cut just after its PG_VERSION: PGlite unpacks that much into the folder, then
    // fails to start; loading again over it would be refused (PG_VERSION says a database is there).
    const cut = cutAfter(filledDump(), "/PG_VERSION");
    writeFileSync(file, cut);
    const dataDir = join(dir, "new-database");
    // Taken as a command takes it before it opens the folder: the clearing must not take it away.
    const lock = lockPgliteFolder(dataDir);
    const db = await openEmptyPglite({ cacheDir: dir, dataDir });
    try {
      expect(await tables(db)).toEqual([]);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    } finally {
      await db.close();
      lock.release();
    }
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    // Made again whole: a data directory's end follows PG_VERSION (postgresql.conf, …).
    expect(readFileSync(file).length).toBeGreaterThan(cut.length);
  });
});
