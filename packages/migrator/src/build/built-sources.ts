/**
 * Which source files the running code was bundled from, when `run-built` runs it (bin/run-built.mjs
 * announces its bundle's manifest before loading it): path → SHA-256 of the bytes the build read.
 * A file saved since the process started is on disk but not what runs; what is cached as computed
 * by this code must be keyed by these, not by the files as they are now.
 */
const ANNOUNCED = Symbol.for("@repo/migrator/run-built");

/** The running bundle's source files and their hashes; undefined when the code runs from its sources (tsx, vitest). */
export function builtSources(): Readonly<Record<string, string>> | undefined {
  const announced = (globalThis as Record<symbol, unknown>)[ANNOUNCED] as { files?: unknown } | undefined;
  const files = announced?.files;
  return typeof files === "object" && files !== null ? (files as Record<string, string>) : undefined;
}
