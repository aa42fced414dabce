/**
 * Bundles a TypeScript entry (a command script, a library export) into one ESM file that plain
 * Node runs without the TypeScript loader, and records what it was built from, so `run-built`
 * (bin/run-built.mjs) can tell whether a bundle is still that of the files on disk.
 *
 * What the bundle holds: every file the entry imports that is not an installed package (its own
 * sources, workspace packages, `#imports`, tsconfig `paths`), each with its own `import.meta`.
 * Installed packages (anything whose real path is under `node_modules`) stay imports, by absolute
 * path. One difference from running the sources remains: the installed packages a bundle imports
 * are loaded before any bundled module runs, so a package that reads `process.env` while it loads
 * does not see what a bundled module (a `.env` loader) sets. And an `import()` whose path is
 * computed at run time (not a literal or a template of one) cannot be followed by any bundler: of a
 * TypeScript file it fails with Node's "Unknown file extension" naming the file.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Message, type Plugin } from "esbuild";
import { MigratorError } from "../errors/migrator-error.ts";
import { ancestorFolders, nearestPath } from "../paths/ancestor-folders.ts";

/** The manifest's layout; a bundle with another is built again. */
const MANIFEST_VERSION = 2;

/** What a bundle was built from. `run-built` checks each of these before it runs the bundle. */
export interface BundleManifest {
  version: number;
  /** The entry's absolute path. */
  entry: string;
  /**
   * Absolute path → sha256 of the bytes the build used: every bundled file (hashed as it was
   * read for the build), the package.json and tsconfig.json files that decided how they were
   * read, and the lockfiles and install records of the project (an install or an upgrade).
   */
  files: Record<string, string>;
  /** Each folder holding a bundled file → sha256 of its file names (a new file can change what an import finds). */
  dirs: Record<string, string>;
  /** Absolute paths of the installed files the bundle imports. */
  externals: string[];
}

/** The entry does not build: a syntax error, an import that does not resolve. */
export class BundleError extends MigratorError {
  constructor(
    readonly entry: string,
    readonly messages: readonly string[],
  ) {
    super(
      "bundle-failed",
      `${entry} does not build:\n${messages.map((message) => `  ${message}`).join("\n")}`,
      "fix the source at the place named; the command runs again as soon as it builds",
    );
  }

  protected override details(): Record<string, unknown> {
    return { entry: this.entry, messages: [...this.messages] };
  }
}

/** The bundle built but could not be written where it is kept (a read-only or full disk). */
export class BundleWriteError extends MigratorError {
  constructor(
    readonly outfile: string,
    readonly reason: string,
  ) {
    super(
      "bundle-unwritable",
      `cannot write ${outfile}: ${reason}`,
      "make the folder writable (or free space); the command can run from its sources meanwhile",
    );
  }
}

const sha256 = (bytes: string | Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The hash `run-built` compares for a folder: its file names, sorted. */
export function folderListingHash(dir: string): string {
  return sha256(readdirSync(dir).sort().join("\0"));
}

/** `file:line:column: text`, as a compiler prints it. */
function describeMessage(message: Message): string {
  const where = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : "";
  return `${where}${message.text}`;
}

const isInstalled = (path: string): boolean => /[\\/]node_modules[\\/]/.test(path);

/**
 * Keeps installed packages out of the bundle, each imported by the absolute URL of the file it
 * resolves to from the importing file's folder (pnpm gives each package its own `node_modules`, so
 * a package's dependencies resolve from where it lives, not from the bundle); `externals` collects
 * them. A bare import that resolves outside `node_modules` (a workspace package linked there,
 * `#imports`, tsconfig `paths`) is bundled like the project's own files.
 */
function externalInstalledPackages(externals: Set<string>): Plugin {
  return {
    name: "external-installed-packages",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "resolving") return undefined;
        if (args.path.startsWith("node:") || builtinModules.includes(args.path))
          return { path: args.path, external: true };
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "resolving",
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external || !resolved.path || !isInstalled(realpathSync(resolved.path))) return resolved;
        externals.add(resolved.path);
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
    },
  };
}

/**
 * Reads each of the project's own files for the build, hashing the very bytes bundled (a file
 * saved during the build makes the bundle stale, not current), and gives each module its own
 * `import.meta`: esbuild replaces `import.meta` by a per-module variable holding the source
 * file's `url`, `filename` and `dirname`; `import.meta.resolve` throws, naming the file.
 */
function projectFiles(hashes: Map<string, string>): Plugin {
  return {
    name: "project-files",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.([cm]?[jt]sx?|json)$/ }, async (args) => {
        if (isInstalled(args.path)) return undefined;
        const bytes = await readFile(args.path);
        hashes.set(args.path, sha256(bytes));
        const extension = /\.([cm]?)([jt]sx?|json)$/.exec(args.path)?.[2] ?? "js";
        const loader = extension as "ts" | "tsx" | "js" | "jsx" | "json";
        if (loader === "json") return { contents: bytes, loader };
        const meta =
          `var __sourceMeta = { url: ${JSON.stringify(pathToFileURL(args.path).href)}, ` +
          `filename: ${JSON.stringify(args.path)}, dirname: ${JSON.stringify(dirname(args.path))}, ` +
          `resolve() { throw new Error(${JSON.stringify(`import.meta.resolve is not available in a run-built bundle (${args.path})`)}); } };`;
        const text = bytes.toString("utf8");
        // After a shebang line, which must stay first (and may be the whole file).
        const lineEnd = text.indexOf("\n");
        const shebang = !text.startsWith("#!") ? "" : lineEnd === -1 ? `${text}\n` : text.slice(0, lineEnd + 1);
        return { contents: `${shebang}${meta}${text.slice(shebang.length)}`, loader };
      });
    },
  };
}

/** A tsconfig.json and the ones it extends by a relative path. */
function tsconfigChain(file: string): string[] {
  const chain = [file];
  try {
    const extended = (JSON.parse(readFileSync(file, "utf8")) as { extends?: unknown }).extends;
    for (const parent of [extended].flat()) {
      if (typeof parent !== "string" || !parent.startsWith(".")) continue;
      const path = resolve(dirname(file), parent.endsWith(".json") ? parent : `${parent}.json`);
      if (existsSync(path)) chain.push(...tsconfigChain(path));
    }
  } catch {
    // A tsconfig that is not plain JSON is still recorded by its bytes.
  }
  return chain;
}

/** Files an install rewrites: lockfiles and package managers' records of what is installed. */
const INSTALL_RECORDS = [
  "pnpm-lock.yaml",
  "package-lock.json",
  "yarn.lock",
  "bun.lock",
  "bun.lockb",
  "node_modules/.modules.yaml",
  "node_modules/.package-lock.json",
  "node_modules/.yarn-state.yml",
  "node_modules/.yarn-integrity",
];

/** The install records in `dir` and every folder above it. */
function installRecords(dir: string): string[] {
  return ancestorFolders(dir)
    .flatMap((folder) => INSTALL_RECORDS.map((name) => join(folder, name)))
    .filter((path) => existsSync(path));
}

/** Removes the bundles beside `outfile` whose entry is gone (a deleted or moved script). */
async function pruneOrphans(outfile: string): Promise<void> {
  const dir = dirname(outfile);
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.endsWith(".mjs.json")) continue;
    const manifestFile = join(dir, name);
    const entry = await readFile(manifestFile, "utf8")
      .then((text) => (JSON.parse(text) as { entry?: unknown }).entry)
      .catch(() => undefined);
    if (typeof entry === "string" && existsSync(entry)) continue;
    const bundle = manifestFile.slice(0, -".json".length);
    await Promise.all([bundle, `${bundle}.map`, manifestFile].map((file) => rm(file, { force: true })));
  }
}

/**
 * Bundles `entry` into `outfile` (ESM, Node 20, with a source map beside it, so a crash names the
 * source file and line) and writes `<outfile>.json`, its manifest. Each file is written beside and
 * renamed into place, the manifest last; an interrupted write leaves the old manifest, which no
 * longer matches, so the next run builds again. Throws `BundleError` naming the file and line when
 * the entry does not build, and `BundleWriteError` when the bundle cannot be written.
 */
export async function bundleCommand(entry: string, outfile: string): Promise<BundleManifest> {
  const entryPath = resolve(entry);
  const externals = new Set<string>();
  const hashes = new Map<string, string>();
  const result = await build({
    entryPoints: [entryPath],
    write: false,
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: "linked",
    logLevel: "silent",
    metafile: true,
    define: { "import.meta": "__sourceMeta" },
    plugins: [externalInstalledPackages(externals), projectFiles(hashes)],
  }).catch((error: unknown) => {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors) throw error;
    throw new BundleError(entryPath, errors.map(describeMessage));
  });
  const files: Record<string, string> = Object.fromEntries(hashes);
  const sourceDirs = [...new Set([...hashes.keys()].map((file) => dirname(file)))];
  // The bundler itself: a change to how bundles are made makes every bundle stale.
  const extra = new Set<string>([fileURLToPath(import.meta.url), ...installRecords(dirname(entryPath))]);
  for (const dir of sourceDirs) {
    const manifest = nearestPath(dir, "package.json");
    if (manifest) extra.add(manifest);
    const tsconfig = nearestPath(dir, "tsconfig.json");
    for (const file of tsconfig ? tsconfigChain(tsconfig) : []) extra.add(file);
  }
  for (const file of extra) files[file] ??= sha256(readFileSync(file));
  const manifest: BundleManifest = {
    version: MANIFEST_VERSION,
    entry: entryPath,
    files,
    dirs: Object.fromEntries(sourceDirs.map((dir) => [dir, folderListingHash(dir)])),
    externals: [...externals].sort(),
  };

  const output = (suffix: string) => {
    const file = result.outputFiles.find((candidate) => candidate.path === `${resolve(outfile)}${suffix}`);
    if (!file || file.contents.length === 0) throw new Error(`esbuild wrote no ${basename(outfile)}${suffix}`);
    return file.contents;
  };
  const writes: [string, Uint8Array | string][] = [
    [`${outfile}.map`, output(".map")],
    [outfile, output("")],
    [`${outfile}.json`, `${JSON.stringify(manifest, null, 2)}\n`],
  ];
  const temporary = `.${process.pid}.tmp`;
  try {
    await mkdir(dirname(outfile), { recursive: true });
    for (const [file, contents] of writes) await writeFile(`${file}${temporary}`, contents);
    for (const [file] of writes) await rename(`${file}${temporary}`, file);
  } catch (error) {
    await Promise.all(writes.map(([file]) => rm(`${file}${temporary}`, { force: true }).catch(() => undefined)));
    throw new BundleWriteError(outfile, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  await pruneOrphans(outfile);
  return manifest;
}
