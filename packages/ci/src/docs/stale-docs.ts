import picomatch from "picomatch";
import type { DocMapping } from "./doc-map.ts";

/** A doc page that should have changed with the files listed in `because`, and did not. */
export interface StaleDoc {
  page: string;
  /** The mapping rules that require it. */
  rules: string[];
  /** The changed files that require it. */
  because: string[];
}

/**
 * Applies the mapping to a list of changed files: every page mapped from a changed file must be in
 * the list too. Returns the pages that are not, each with the files and rules that require it.
 *
 * @example findStaleDocs(["packages/db/src/schema/ai.ts"], mappings) // → [{ page: "docs/schema-design.md", … }]
 */
export function findStaleDocs(changed: readonly string[], mappings: readonly DocMapping[]): StaleDoc[] {
  const changedSet = new Set(changed);
  const stale = new Map<string, StaleDoc>();
  for (const mapping of mappings) {
    const matches = picomatch(mapping.paths, { dot: true });
    const triggers = changed.filter((file) => matches(file));
    if (triggers.length === 0) continue;
    for (const page of mapping.docs) {
      if (changedSet.has(page)) continue;
      const entry = stale.get(page) ?? { page, rules: [], because: [] };
      entry.rules.push(mapping.name);
      entry.because = [...new Set([...entry.because, ...triggers])].sort();
      stale.set(page, entry);
    }
  }
  return [...stale.values()].sort((a, b) => a.page.localeCompare(b.page));
}
