import { readFileSync } from "node:fs";

/** One rule of the mapping: when a file matching `paths` changes, every page in `docs` must change too. */
export interface DocMapping {
  /** A short name for the rule, printed with its findings. */
  name: string;
  /** Globs relative to the repository root (picomatch syntax, e.g. `packages/db/src/schema/**`). */
  paths: string[];
  /** Doc pages relative to the repository root that describe those files. */
  docs: string[];
}

/** A mapping file that cannot be read or has the wrong shape; `problems` lists every fault found. */
export class DocMapError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join("; ")}`);
    this.name = "DocMapError";
  }
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string" && item !== "");

/**
 * Reads and validates the mapping file (`docs/doc-map.json`): `{ "mappings": [{ name, paths, docs }] }`.
 * Reports every problem at once rather than the first.
 */
export function readDocMap(file: string): DocMapping[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DocMapError(file, [`cannot read it as JSON (${error instanceof Error ? error.message : error})`]);
  }
  const mappings = (parsed as { mappings?: unknown } | null)?.mappings;
  if (!Array.isArray(mappings) || mappings.length === 0) {
    throw new DocMapError(file, ['expected an object with a non-empty "mappings" array']);
  }
  const problems: string[] = [];
  mappings.forEach((entry: Partial<Record<keyof DocMapping, unknown>>, index) => {
    const where = `mappings[${index}]`;
    if (typeof entry?.name !== "string" || entry.name === "") problems.push(`${where}.name must be a non-empty string`);
    if (!isStringList(entry?.paths)) problems.push(`${where}.paths must be a non-empty list of globs`);
    if (!isStringList(entry?.docs)) problems.push(`${where}.docs must be a non-empty list of doc pages`);
  });
  if (problems.length > 0) throw new DocMapError(file, problems);
  return mappings as DocMapping[];
}
