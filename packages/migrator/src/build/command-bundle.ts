/**
 * Bundles a TypeScript entry (a command script, a library export) into one ESM file that plain
 * Node runs without the TypeScript loader, and records what it was built from, so `run-built`
 * (bin/run-built.mjs) can tell whether a bundle is still that of the sources on disk.
 */
import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Message, type Plugin } from "esbuild";
import { MigratorError } from "../errors/migrator-error.ts";

/** What a bundle was built from: every bundled file with the hash of its bytes, and each npm file it imports. */
export interface BundleManifest {
  /** The entry's absolute path. */
  entry: string;
  /** Absolute path → sha256 of the file's bytes (the sources, the package.json files that resolved them, the builder). */
  inputs: Record<string, string>;
  /** Absolute paths of the npm files the bundle imports (a reinstall that moves one makes the bundle stale). */
  externals: string[];
}

/** The entry did not bundle: a syntax error, an import that does not resolve. */
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

/** sha256 of a file's bytes. */
function fileHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** `file:line:column: text`, as a compiler prints it. */
function describeMessage(message: Message): string {
  const where = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : "";
  return `${where}${message.text}`;
}

/**
 * Keeps npm packages out of the bundle, each imported by the absolute URL of the file it resolves
 * to from the importing file's folder (pnpm gives each package its own `node_modules`, so a
 * package's dependencies resolve from where it lives, not from the bundle); `externals` collects them.
 */
function externalNpmPackages(externals: Set<string>): Plugin {
  return {
    name: "external-npm-packages",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith("@repo/") || args.pluginData === "resolving") return undefined;
        if (args.path.startsWith("node:") || builtinModules.includes(args.path))
          return { path: args.path, external: true };
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "resolving",
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        externals.add(resolved.path);
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
    },
  };
}

/**
 * Gives each bundled TypeScript file its own `import.meta.url` (and `dirname`/`filename`), so a
 * module that finds files beside itself (migrations, configs, caches) finds them from the bundle
 * as it does from the source.
 */
const sourceImportMeta: Plugin = {
  name: "source-import-meta",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const text = await readFile(args.path, "utf8");
      const contents = text
        .replaceAll(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
        .replaceAll(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)));
      return { contents, loader: args.path.endsWith("x") ? "tsx" : "ts" };
    });
  },
};

/** The nearest `package.json` above each bundled file: it decided how `@repo/*` imports resolved. */
function packageManifestsOf(files: readonly string[]): string[] {
  const manifests = new Set<string>();
  for (const file of files) {
    let dir = dirname(file);
    while (dirname(dir) !== dir) {
      const candidate = join(dir, "package.json");
      try {
        readFileSync(candidate);
        manifests.add(candidate);
        break;
      } catch {
        dir = dirname(dir);
      }
    }
  }
  return [...manifests];
}

/**
 * Bundles `entry` into `outfile` (ESM, Node 20) and writes `<outfile>.json`, its manifest. Each is
 * written beside and renamed into place, so a reader never sees half a file (a bundle newer than
 * its manifest only looks stale, and is built again).
 * Throws `BundleError` naming the file and line when the entry does not build, and the file
 * system's error (nothing half-written left behind) when the bundle cannot be written.
 */
export async function bundleCommand(entry: string, outfile: string): Promise<BundleManifest> {
  const entryPath = resolve(entry);
  const externals = new Set<string>();
  const result = await build({
    entryPoints: [entryPath],
    write: false,
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "silent",
    metafile: true,
    plugins: [externalNpmPackages(externals), sourceImportMeta],
  }).catch((error: unknown) => {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors) throw error;
    throw new BundleError(entryPath, errors.map(describeMessage));
  });
  const bundled = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith("file:"))
    .map((input) => resolve(input));
  const builder = fileURLToPath(import.meta.url);
  const inputs: Record<string, string> = {};
  for (const file of [...bundled, ...packageManifestsOf(bundled), builder]) inputs[file] = fileHash(file);
  const manifest: BundleManifest = { entry: entryPath, inputs, externals: [...externals].sort() };

  const code = result.outputFiles.find((file) => file.path === resolve(outfile));
  const suffix = `.${process.pid}.tmp`;
  try {
    await mkdir(dirname(outfile), { recursive: true });
    await writeFile(`${outfile}${suffix}`, code?.contents ?? new Uint8Array());
    await writeFile(`${outfile}.json${suffix}`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${outfile}${suffix}`, outfile);
    await rename(`${outfile}.json${suffix}`, `${outfile}.json`);
  } catch (error) {
    await Promise.all([rm(`${outfile}${suffix}`, { force: true }), rm(`${outfile}.json${suffix}`, { force: true })]);
    throw error;
  }
  return manifest;
}
