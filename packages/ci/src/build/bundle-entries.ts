import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleCommand } from "@repo/migrator/build";

/** One entry point of a workspace package: a library export (loaded after bundling) or a command script. */
export interface BuildEntry {
  packageDir: string;
  source: string;
  kind: "export" | "command";
}

/** The outcome for one entry: where its bundle went, its size, and why it failed if it did. */
export interface BuildResult {
  entry: BuildEntry;
  outfile: string;
  bytes: number;
  error?: string;
}

interface PackageJson {
  exports?: Record<string, string> | string;
  scripts?: Record<string, string>;
}

/**
 * The entry points of every package under `packages/`: each `exports` target and each file a
 * script runs with `tsx` or `run-built` (the `db:*` commands). Paths are relative to the repository root.
 */
export function findBuildEntries(repoRoot: string): BuildEntry[] {
  const entries: BuildEntry[] = [];
  for (const name of readdirSync(join(repoRoot, "packages")).sort()) {
    const packageDir = join("packages", name);
    const manifestFile = join(repoRoot, packageDir, "package.json");
    if (!existsSync(manifestFile)) continue;
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as PackageJson;
    const exportsMap = typeof manifest.exports === "string" ? { ".": manifest.exports } : (manifest.exports ?? {});
    for (const target of Object.values(exportsMap)) {
      entries.push({ packageDir, source: join(packageDir, target), kind: "export" });
    }
    for (const script of Object.values(manifest.scripts ?? {})) {
      for (const match of script.matchAll(/\b(?:tsx|run-built)\s+(?:--\S+\s+)*(\S+\.ts)\b/g)) {
        const source = join(packageDir, match[1] ?? "");
        if (!entries.some((entry) => entry.source === source)) entries.push({ packageDir, source, kind: "command" });
      }
    }
  }
  return entries;
}

/**
 * Bundles each entry as `run-built` does (`bundleCommand`) into `<package>/dist/`, so every import
 * resolves and the TypeScript compiles to JavaScript; then loads each library export in a plain
 * `node` process (no tsx), which proves the package works without the TypeScript loader. The
 * bundles import npm packages by absolute path: they are a check of this checkout, not an artifact to ship.
 */
export async function bundleEntries(repoRoot: string, entries: readonly BuildEntry[]): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const entry of entries) {
    const outName = relative(join(entry.packageDir, "src"), entry.source).replace(/\.ts$/, ".mjs").replaceAll("/", "-");
    const outfile = join(repoRoot, entry.packageDir, "dist", outName);
    try {
      await bundleCommand(join(repoRoot, entry.source), outfile);
      const bytes = statSync(outfile).size;
      const error = entry.kind === "export" ? loadError(outfile, join(repoRoot, entry.packageDir)) : undefined;
      results.push(error ? { entry, outfile, bytes, error } : { entry, outfile, bytes });
    } catch (error) {
      results.push({ entry, outfile, bytes: 0, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

function loadError(file: string, cwd: string): string | undefined {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)})`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" });
  if (child.status === 0) return undefined;
  const lines = child.stderr.split("\n").map((line) => line.trim());
  const message = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.filter(Boolean).at(-1);
  return `does not load on plain Node: ${message}`;
}
