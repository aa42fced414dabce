/**
 * Which Drizzle Kit a project has installed, found the way Node finds a package (`node_modules`
 * folders upward from a directory), so the toolkit diffs a project's snapshots with the Drizzle
 * Kit that wrote them and `db:upgrade-layout` runs the project's own `drizzle-kit up`.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ancestorFolders, nearestPath } from "../paths/ancestor-folders.ts";

/** An installed `drizzle-kit` package. */
export interface DrizzleKitInstall {
  /** The package folder (real path). */
  dir: string;
  /** Its `package.json` version, e.g. `0.31.11` or `1.0.0-rc.5-5935859`. */
  version: string;
  /** `0.x` writes snapshot format 7 and has `drizzle-kit/api`; `1.0` writes 8 (or 9) and has `drizzle-kit/api-postgres`. */
  generation: "0.x" | "1.0" | "other";
}

function install(packageDir: string): DrizzleKitInstall | undefined {
  const file = join(packageDir, "package.json");
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
  if (pkg.name !== "drizzle-kit" || typeof pkg.version !== "string") return undefined;
  const major = pkg.version.split(".")[0];
  return {
    dir: realpathSync(packageDir),
    version: pkg.version,
    generation: major === "0" ? "0.x" : major === "1" ? "1.0" : "other",
  };
}

/**
 * The `drizzle-orm` a module in `kit`'s folder would load (Drizzle Kit imports it without declaring
 * it): its folder and version, or undefined when there is none. What a differ that fails to load
 * was given, so the error can name it.
 *
 * @example drizzleOrmOf(findDrizzleKit("packages/db")!)?.version // "0.45.4"
 */
export function drizzleOrmOf(kit: DrizzleKitInstall): { dir: string; version: string } | undefined {
  const file = nearestPath(kit.dir, join("node_modules", "drizzle-orm", "package.json"));
  if (!file) return undefined;
  const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  return { dir: dirname(file), version: typeof version === "string" ? version : "unknown" };
}

/**
 * The `drizzle-kit` a module in `from` would load: `from/node_modules/drizzle-kit`, then each
 * parent folder's; undefined when there is none.
 *
 * @example findDrizzleKit("packages/db")?.version // "0.31.11"
 */
export function findDrizzleKit(from: string): DrizzleKitInstall | undefined {
  for (const folder of ancestorFolders(from)) {
    const found = install(join(folder, "node_modules", "drizzle-kit"));
    if (found) return found;
  }
  return undefined;
}

/**
 * The `drizzle-kit` package at `path`: its folder, or any file inside it (`…/drizzle-kit/bin.cjs`);
 * undefined when `path` is in no `drizzle-kit` package.
 */
export function drizzleKitAt(path: string): DrizzleKitInstall | undefined {
  const start = resolve(path);
  const dir = existsSync(start) && !statSync(start).isDirectory() ? dirname(start) : start;
  for (const folder of ancestorFolders(dir)) {
    const found = install(folder);
    if (found) return found;
  }
  return undefined;
}
