#!/usr/bin/env node
/**
 * `run-built <entry.ts> [arguments…]`: runs a TypeScript command script on plain Node from a bundle
 * of it, so a command starts without transpiling its sources on every run (tsx).
 *
 * In sync by construction: the bundle (`node_modules/.cache/@repo/migrator/commands/`, in the
 * nearest `node_modules` above the entry, or `$RUN_BUILT_CACHE`) runs only while every file it was built from has the
 * bytes the build read, every folder holding one lists the same files, the lockfiles and install
 * records are unchanged and every installed file it imports is still there; otherwise it is built
 * again first (src/build/command-bundle.ts, itself kept as a bundle the same way, and loaded
 * through tsx only when that is stale). The script sees itself as run directly: `process.argv` is
 * `[node, <entry.ts>, arguments…]`, each module's `import.meta` is its source file's, and a stack
 * trace names the source files (source maps are on), and src/build/built-sources.ts tells it which
 * source files, by the hashes the build read, the code that runs was bundled from.
 *
 * Where the bundle cannot be written (a read-only or full disk), the entry runs through tsx, with
 * a warning. Exit codes: the command's own; 1 when the entry does not build (the file and line are
 * printed: an unexpected error, as in the commands' table); 2 when no entry is given or it is not a file.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const USAGE = "usage: run-built <entry.ts> [arguments…]\n";
const [entryArgument, ...commandArguments] = process.argv.slice(2);
if (!entryArgument || entryArgument.startsWith("-")) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const entry = resolve(entryArgument);
if (!existsSync(entry) || !statSync(entry).isFile()) {
  process.stderr.write(
    `error: run-built: ${entry} is not a file\nfix: name the command's TypeScript entry, relative to ${process.cwd()}\n${USAGE}`,
  );
  process.exit(2);
}

/** The nearest `node_modules` above `from` (where a module there loads its packages from), or `from`'s own. */
function cacheRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules");
    if (dirname(dir) === dir) return join(from, "node_modules");
  }
}

/** Where the bundle of `source` is kept: `$RUN_BUILT_CACHE`, else the cache of the nearest `node_modules` above it. */
function bundleOf(source) {
  const key = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const name = `${basename(source).replace(/\.[cm]?tsx?$/, "")}-${key}.mjs`;
  const configured = process.env["RUN_BUILT_CACHE"];
  if (configured) return join(resolve(configured), name);
  return join(cacheRoot(dirname(source)), ".cache", "@repo", "migrator", "commands", name);
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * The manifest of `bundle` when it was built from `source` and the files as they are now (the
 * checks of src/build/command-bundle.ts's manifest); undefined when it must be built again.
 */
function freshManifest(source, bundle) {
  try {
    const manifest = JSON.parse(readFileSync(`${bundle}.json`, "utf8"));
    if (manifest.version !== 2 || manifest.entry !== source || !existsSync(bundle)) return undefined;
    for (const [file, hash] of Object.entries(manifest.files))
      if (sha256(readFileSync(file)) !== hash) return undefined;
    for (const [dir, hash] of Object.entries(manifest.dirs)) {
      if (sha256(readdirSync(dir).sort().join("\0")) !== hash) return undefined;
    }
    return manifest.externals.every((file) => existsSync(file)) ? manifest : undefined;
  } catch {
    return undefined; // no manifest, a damaged one, or a file that is gone
  }
}

/**
 * Tells the code that runs which source files it was bundled from (path → SHA-256 of the bytes
 * the build read): a file saved since then is not what runs (src/build/built-sources.ts reads it).
 */
function announce(manifest) {
  globalThis[Symbol.for("@repo/migrator/run-built")] = { files: { ...manifest.files } };
}

const BUILDER = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "build", "command-bundle.ts");

/**
 * The bundler: from its own bundle when that is current (no TypeScript loader), else from its
 * sources through tsx, bundling itself for the next build.
 */
async function loadBuilder() {
  const builderBundle = bundleOf(BUILDER);
  if (freshManifest(BUILDER, builderBundle)) return import(pathToFileURL(builderBundle).href);
  const { tsImport } = await import("tsx/esm/api");
  const builder = await tsImport(pathToFileURL(BUILDER).href, import.meta.url);
  // Only to make the next build faster: a failure here costs nothing but that.
  await builder.bundleCommand(BUILDER, builderBundle).catch(() => undefined);
  return builder;
}

/**
 * Builds the bundle and returns how to run the command: the bundle, or the entry itself through
 * tsx when the bundle cannot be written. Exits 1 when the entry does not build.
 */
async function build(bundle) {
  const { bundleCommand, BundleError, BundleWriteError } = await loadBuilder();
  try {
    await bundleCommand(entry, bundle);
    announce(JSON.parse(readFileSync(`${bundle}.json`, "utf8")));
    return () => import(pathToFileURL(bundle).href);
  } catch (error) {
    if (error instanceof BundleError) {
      process.stderr.write(`error: ${error.message}\nfix: ${error.fix}\n`);
      process.exit(1);
    }
    if (!(error instanceof BundleWriteError)) throw error;
    process.stderr.write(`warning: run-built ${error.message}: running ${entry} through tsx\n`);
    const { tsImport } = await import("tsx/esm/api");
    return () => tsImport(pathToFileURL(entry).href, import.meta.url);
  }
}

const bundle = bundleOf(entry);
const manifest = freshManifest(entry, bundle);
if (manifest) announce(manifest);
const run = manifest ? () => import(pathToFileURL(bundle).href) : await build(bundle);
process.setSourceMapsEnabled(true);
process.argv = [process.argv[0], entry, ...commandArguments];
await run();
