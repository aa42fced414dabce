/**
 * Walking up the folder tree, as Node does to find a package and tools do to find their config:
 * the one walk behind the review cache's and run-built's cache folders, the nearest package.json
 * and tsconfig.json, and the Drizzle Kit a project has installed.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * `from` and every folder above it, nearest first, up to the file system's root.
 *
 * @example ancestorFolders("/repo/packages/db") // ["/repo/packages/db", "/repo/packages", "/repo", "/"]
 */
export function ancestorFolders(from: string): string[] {
  const folders = [resolve(from)];
  for (let dir = folders[0] ?? "/"; dirname(dir) !== dir; dir = dirname(dir)) folders.push(dirname(dir));
  return folders;
}

/**
 * The nearest `<folder>/<name>` that exists, at `from` or above it; undefined when there is none.
 *
 * @example nearestPath("/repo/packages/db/src", "package.json") // "/repo/packages/db/package.json"
 */
export function nearestPath(from: string, name: string): string | undefined {
  return ancestorFolders(from)
    .map((folder) => join(folder, name))
    .find((path) => existsSync(path));
}
