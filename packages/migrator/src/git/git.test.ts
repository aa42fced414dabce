/**
 * Git's blob ids of working-tree files, many at once (`workingTreeBlobs`): the same ids as one
 * `git hash-object` per file, line endings converted as `git add` converts them, though one path
 * of the batch is one git cannot hash or would read otherwise.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { workingTreeBlob, workingTreeBlobs } from "./git.ts";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A repository with `core.autocrlf=true` (Windows' default) and the files `files` in it. */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "git-blobs-"));
  roots.push(root);
  execFileSync("git", ["init", "-q"], { cwd: root });
  execFileSync("git", ["config", "core.autocrlf", "true"], { cwd: root });
  for (const [path, content] of Object.entries(files)) writeFileSync(join(root, path), content);
  return root;
}

describe("workingTreeBlobs", () => {
  it("gives each file the id git hash-object gives it alone, though the batch holds a folder's link and a name ending in a carriage return", async () => {
    const root = repository({ "crlf.sql": "SELECT 1;\r\n", "lf.sql": "SELECT 2;\n", "name\r": "SELECT 3;\n" });
    mkdirSync(join(root, "meta"));
    symlinkSync("meta", join(root, "meta-latest"));
    const paths = ["crlf.sql", "meta-latest", "name\r", "lf.sql", "gone.sql"];
    const alone = new Map<string, string>();
    for (const path of paths) {
      const id = await workingTreeBlob(root, path);
      if (id) alone.set(path, id);
    }
    expect(alone.has("crlf.sql") && alone.has("lf.sql")).toBe(true);
    expect(await workingTreeBlobs(root, paths)).toEqual(alone);
  });

  it("gives the ids of many files from one batch, as each alone gives them", async () => {
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${i} name.sql`, `SELECT ${i};\r\n`]));
    const root = repository(files);
    const alone = new Map<string, string>();
    for (const path of Object.keys(files)) alone.set(path, (await workingTreeBlob(root, path))!);
    expect(await workingTreeBlobs(root, Object.keys(files))).toEqual(alone);
  });
});
