/**
 * The copy db:upgrade-layout takes before `drizzle-kit up` rewrites a folder in place: through a
 * symbolic link it copies and puts back the folder the link points at (a copy of the link would
 * follow the rewritten folder), puts it back in place with its owners, keeps a link to nowhere as a
 * link, and a restore that cannot finish says where, keeping the copy.
 */
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { backUpFolder, folderManifest } from "./folder-backup.ts";

let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

function folderWithLink() {
  root = mkdtempSync(join(tmpdir(), "folder-backup-"));
  const real = join(root, "real");
  mkdirSync(join(real, "meta"), { recursive: true });
  writeFileSync(join(real, "0000_first.sql"), "CREATE TABLE a (id int);\n");
  writeFileSync(join(real, "meta", "_journal.json"), "{}\n");
  const link = join(root, "drizzle");
  symlinkSync("real", link, "dir");
  return { real, link };
}

it("puts back the folder a link points at, and leaves the link as it was", () => {
  const { real, link } = folderWithLink();
  const before = folderManifest(real);
  const backup = backUpFolder(link);
  rmSync(join(real, "meta"), { recursive: true });
  writeFileSync(join(real, "0000_first.sql"), "half-converted\n");
  expect(backup.restore()).toEqual([]);
  expect(folderManifest(real)).toEqual(before);
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readlinkSync(link)).toBe("real");
  expect(existsSync(backup.copy)).toBe(false);
});

it("returns what failed, without throwing, when the folder cannot be put back; the copy stays", () => {
  const { real } = folderWithLink();
  const backup = backUpFolder(real);
  writeFileSync(join(real, "0000_first.sql"), "half-converted\n");
  // The folder's parent is now a file: the copy cannot be written back there.
  rmSync(root, { recursive: true });
  writeFileSync(root, "not a folder");
  const left = backup.restore();
  expect(left).toHaveLength(1);
  expect(left[0]).toMatch(new RegExp(`^${real} \\(E[A-Z]+`));
  expect(existsSync(backup.copy)).toBe(true);
  rmSync(join(backup.copy, ".."), { recursive: true });
});

it("puts the folder back in place with its owners, and keeps a link to nowhere as a link", () => {
  const { real } = folderWithLink();
  symlinkSync("owner@host.1234:1700000000", join(real, ".#0000_first.sql")); // an editor's lock file
  const root = process.getuid?.() === 0;
  if (root) chownSync(join(real, "0000_first.sql"), 1000, 1000);
  const inode = statSync(real).ino;
  const before = folderManifest(real);
  const backup = backUpFolder(real);
  rmSync(join(real, "meta"), { recursive: true });
  rmSync(join(real, ".#0000_first.sql"));
  writeFileSync(join(real, "0000_first.sql"), "half-converted\n");
  expect(backup.restore()).toEqual([]);
  expect(folderManifest(real)).toEqual(before);
  expect(before.get(".#0000_first.sql")).toBe("link → owner@host.1234:1700000000");
  expect(statSync(real).ino).toBe(inode);
  if (root) expect(statSync(join(real, "0000_first.sql")).uid).toBe(1000);
});
