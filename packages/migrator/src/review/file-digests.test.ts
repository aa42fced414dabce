import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDigests } from "./file-digests.ts";
import { ReviewCache } from "./review-cache.ts";

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "file-digests-"));
  temporary.push(dir);
  return dir;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const AN_HOUR_AGO = new Date(Date.now() - 60 * 60 * 1000);

/** Writes `text` to `path` with a modification time an hour ago (as a checkout of an older commit leaves it). */
function writeSettled(path: string, text: string, time = AN_HOUR_AGO): void {
  writeFileSync(path, text);
  utimesSync(path, time, time);
}

/** One run's digests of `paths` over the cache in `dir`: the hashes, and how many files it read. */
function run(dir: string, scope: string, paths: string[]) {
  const digests = new FileDigests(new ReviewCache(dir), scope);
  const hashes = paths.map((path) => digests.digest(path));
  digests.save();
  return { hashes, read: digests.filesRead };
}

describe("file digests remembered by stat", () => {
  it("reads an unchanged, settled file once: the next run takes its hash from the index", () => {
    const folder = tempDir();
    const cache = tempDir();
    const paths = ["a.json", "b.json"].map((name) => join(folder, name));
    paths.forEach((path, i) => writeSettled(path, `snapshot ${i}`));
    expect(run(cache, folder, paths)).toEqual({ hashes: [sha256("snapshot 0"), sha256("snapshot 1")], read: 2 });
    expect(run(cache, folder, paths)).toEqual({ hashes: [sha256("snapshot 0"), sha256("snapshot 1")], read: 0 });
  });

  it("reads a file again when its size or modification time changed", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "first");
    run(cache, folder, [path]);
    writeSettled(path, "second, longer");
    expect(run(cache, folder, [path])).toEqual({ hashes: [sha256("second, longer")], read: 1 });
    writeSettled(path, "second, LONGER", new Date(AN_HOUR_AGO.getTime() + 1000));
    expect(run(cache, folder, [path])).toEqual({ hashes: [sha256("second, LONGER")], read: 1 });
  });

  it("reads again a file rewritten with the same size and its old modification time put back (its change time moved)", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "original");
    run(cache, folder, [path]);
    const before = statSync(path);
    writeSettled(path, "replaced");
    expect(statSync(path)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs });
    expect(run(cache, folder, [path])).toEqual({ hashes: [sha256("replaced")], read: 1 });
  });

  it("reads again a file replaced by a rename, same size and times (another inode)", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "original");
    run(cache, folder, [path]);
    const next = join(folder, "a.json.new");
    writeSettled(next, "replaced");
    renameSync(next, path);
    expect(run(cache, folder, [path])).toEqual({ hashes: [sha256("replaced")], read: 1 });
  });

  it("does not remember a file modified just before it was read: a write in the same clock tick would look unchanged", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeFileSync(path, "just written");
    expect(run(cache, folder, [path]).read).toBe(1);
    expect(run(cache, folder, [path]).read).toBe(1);
  });

  it("keeps each folder's index apart, tells a missing file from one it cannot read, and reads everything without a cache", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "x");
    run(cache, folder, [path]);
    expect(run(cache, "another folder", [path]).read).toBe(1);
    expect(run(cache, folder, [join(folder, "gone.json")]).hashes[0]).toBe("missing");
    expect(run(cache, folder, [folder]).hashes[0]).toMatch(/^unreadable: EISDIR/);
    const uncached = () => new FileDigests(undefined, folder);
    for (const digests of [uncached(), uncached()])
      expect([digests.digest(path), digests.filesRead]).toEqual([sha256("x"), 1]);
  });

  it("does not trust an index of another shape, even with a valid checksum: the file is read again", () => {
    const folder = tempDir();
    const dir = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "x");
    run(dir, folder, [path]);
    const cache = new ReviewCache(dir);
    cache.write("files", cache.key("digests", folder), { [path]: "not a stamp and a hash" });
    expect(run(dir, folder, [path])).toEqual({ hashes: [sha256("x")], read: 1 });
  });

  it("does not trust a damaged index: the file is read again", () => {
    const folder = tempDir();
    const cache = tempDir();
    const path = join(folder, "a.json");
    writeSettled(path, "x");
    run(cache, folder, [path]);
    for (const name of readdirSync(join(cache, "files"))) writeFileSync(join(cache, "files", name), "damaged");
    expect(run(cache, folder, [path])).toEqual({ hashes: [sha256("x")], read: 1 });
  });
});
