/**
 * `pnpm build` (part of `pnpm ci:full`): bundles every package's exports and command scripts with
 * esbuild into `packages/<name>/dist/` and loads each library export on plain Node. Exit 0 when
 * every entry bundled and loaded, 1 otherwise.
 */
import { relative } from "node:path";
import { Command } from "commander";
import { bundleEntries, findBuildEntries } from "../build/bundle-entries.ts";
import { REPO_ROOT } from "../check/repo-root.ts";

new Command("build").description("Bundle and load every package entry point").parse();

const results = await bundleEntries(REPO_ROOT, findBuildEntries(REPO_ROOT));
for (const result of results) {
  const where = `${result.entry.source} → ${relative(REPO_ROOT, result.outfile)}`;
  if (result.error) console.error(`✘ ${where}: ${result.error}`);
  else console.log(`✔ ${where} (${result.entry.kind}, ${(result.bytes / 1024).toFixed(1)} KiB)`);
}
const failures = results.filter((result) => result.error).length;
console.log(`${results.length - failures}/${results.length} entry points built`);
process.exitCode = failures > 0 ? 1 : 0;
