import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openEmptyPglite, pgliteVersion } from "./pglite-empty.ts";
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

  it("makes a damaged cached dump again instead of failing", async () => {
    const dir = cacheDir();
    const file = join(dir, `pglite-empty-${pgliteVersion()}.tar`);
    writeFileSync(file, "not a data directory");
    const db = await openEmptyPglite({ cacheDir: dir });
    try {
      expect(await tables(db)).toEqual([]);
    } finally {
      await db.close();
    }
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });
});
