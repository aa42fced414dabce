import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";

/** What a template depends on: files and folders whose contents shape it, and a version label. */
export interface TemplateInputs {
  /** Files or folders (read recursively) whose contents decide the template, e.g. the migrations folder. */
  paths: readonly string[];
  /** Bump when the prepare step changes in a way the files do not show (a new seed, another runner). */
  version?: string;
}

function filesUnder(root: string): string[] {
  if (!statSync(root).isDirectory()) return [root];
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

/**
 * A short hex fingerprint of the template's inputs: every file's path (relative to the input it
 * came from) and bytes, plus the version label. Any changed, added, removed or renamed migration
 * gives a new fingerprint, hence a new template.
 *
 * @example templateFingerprint({ paths: ["src/migrations"], version: "seed-2" }) // "3f9c0a1b2d4e"
 */
export function templateFingerprint(inputs: TemplateInputs): string {
  const hash = createHash("sha256");
  hash.update(`version:${inputs.version ?? ""}\0`);
  for (const root of inputs.paths) {
    for (const file of filesUnder(root)) {
      hash.update(`file:${relative(root, file) || basename(file)}\0`);
      hash.update(readFileSync(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex").slice(0, 12);
}
