#!/usr/bin/env node
/**
 * `run-built <entry.ts> [arguments…]`: runs a TypeScript command script on plain Node from a bundle
 * of it, so a command starts without transpiling its sources on every run (tsx).
 *
 * In sync by construction: the bundle (`node_modules/.cache/@repo/migrator/commands/`, in the
 * nearest `node_modules` above the entry) is run only while every file it was built from has the
 * bytes it had then and every npm file it imports is still there; otherwise it is built again first
 * (src/build/command-bundle.ts, loaded through tsx only then). The script sees itself as run
 * directly: `process.argv` is `[node, <entry.ts>, arguments…]`, and each module's `import.meta.url`
 * is its source file's.
 *
 * Where the bundle cannot be written (a read-only or full disk), the entry runs through tsx, with
 * a warning. Exit codes: the command's own; 1 when the entry does not build (the file and line are
 * printed); 2 when no entry is given.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entryArgument, ...commandArguments] = process.argv.slice(2);
if (!entryArgument) {
  process.stderr.write("usage: run-built <entry.ts> [arguments…]\n");
  process.exit(2);
}
const entry = resolve(entryArgument);

/** The nearest `node_modules` above `from` (where a module there loads its packages from), or `from` itself. */
function cacheRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules");
    if (dirname(dir) === dir) return join(from, "node_modules");
  }
}

const key = createHash("sha256").update(entry).digest("hex").slice(0, 12);
const bundle = join(
  cacheRoot(dirname(entry)),
  ".cache",
  "@repo",
  "migrator",
  "commands",
  `${basename(entry).replace(/\.[cm]?tsx?$/, "")}-${key}.mjs`,
);

/** Whether the bundle was built from the files as they are now. */
function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${bundle}.json`, "utf8"));
    if (!existsSync(bundle) || manifest.entry !== entry) return false;
    for (const [file, hash] of Object.entries(manifest.inputs)) {
      if (createHash("sha256").update(readFileSync(file)).digest("hex") !== hash) return false;
    }
  } catch {
    return false; // no manifest, a damaged one, or an input that is gone
  }
  return manifest.externals.every((file) => existsSync(file));
}

/**
 * Builds the bundle and returns the module to run: the bundle, or the entry itself (through tsx)
 * when the bundle cannot be written (a read-only or full disk). Exits 1 when the entry does not build.
 */
async function build() {
  const { tsImport } = await import("tsx/esm/api");
  const { bundleCommand, BundleError } = await tsImport("../src/build/command-bundle.ts", import.meta.url);
  try {
    await bundleCommand(entry, bundle);
    return () => import(pathToFileURL(bundle).href);
  } catch (error) {
    if (error instanceof BundleError) {
      process.stderr.write(`error: ${error.message}\nfix: ${error.fix}\n`);
      process.exit(1);
    }
    if (typeof error?.code !== "string" || !error.syscall) throw error;
    process.stderr.write(`warning: run-built cannot write ${bundle} (${error.code}): running ${entry} through tsx\n`);
    return () => tsImport(pathToFileURL(entry).href, import.meta.url);
  }
}

const run = isFresh() ? () => import(pathToFileURL(bundle).href) : await build();
process.argv = [process.argv[0], entry, ...commandArguments];
await run();
