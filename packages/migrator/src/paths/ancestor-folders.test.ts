import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ancestorFolders, nearestPath } from "./ancestor-folders.ts";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("walking up the folder tree", () => {
  it("lists the folder and each one above it, nearest first, ending at the root", () => {
    expect(ancestorFolders("/a/b/c")).toEqual(["/a/b/c", "/a/b", "/a", "/"]);
    expect(ancestorFolders("/")).toEqual(["/"]);
    expect(ancestorFolders("/a/b/../c/")).toEqual(["/a/c", "/a", "/"]);
  });

  it("finds the nearest file or folder of a name, even from a folder that does not exist, and none past the root", () => {
    const root = mkdtempSync(join(tmpdir(), "ancestors-"));
    roots.push(root);
    mkdirSync(join(root, "pkg", "src", "deep"), { recursive: true });
    writeFileSync(join(root, "package.json"), "{}");
    writeFileSync(join(root, "pkg", "package.json"), "{}");
    mkdirSync(join(root, "node_modules"));

    expect(nearestPath(join(root, "pkg", "src", "deep"), "package.json")).toBe(join(root, "pkg", "package.json"));
    expect(nearestPath(join(root, "pkg", "src", "missing", "x"), "package.json")).toBe(
      join(root, "pkg", "package.json"),
    );
    expect(nearestPath(join(root, "pkg"), "node_modules")).toBe(join(root, "node_modules"));
    expect(nearestPath(root, "no-such-name-anywhere-up-the-tree.json")).toBeUndefined();
  });
});
