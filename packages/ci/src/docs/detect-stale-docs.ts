import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ChangeBase, changedFiles, resolveBase } from "./changed-files.ts";
import { readDocMap } from "./doc-map.ts";
import { findStaleDocs, type StaleDoc } from "./stale-docs.ts";

/** What `docs:update-detection` found. It passes when `stale` and `missingPages` are both empty. */
export interface DocsReport {
  base: ChangeBase;
  changed: string[];
  stale: StaleDoc[];
  /** Pages named in the mapping file that do not exist in the working tree. */
  missingPages: string[];
}

/**
 * Compares the working tree of `repoDir` with its base (see `resolveBase`) and checks the mapping
 * file (relative to `repoDir`) against the changed files.
 */
export function detectStaleDocs(repoDir: string, mapFile: string, baseRef?: string): DocsReport {
  const mappings = readDocMap(join(repoDir, mapFile));
  const base = resolveBase(repoDir, baseRef);
  const changed = changedFiles(repoDir, base.commit);
  const pages = [...new Set(mappings.flatMap((mapping) => mapping.docs))].sort();
  return {
    base,
    changed,
    stale: findStaleDocs(changed, mappings),
    missingPages: pages.filter((page) => !existsSync(join(repoDir, page))),
  };
}
