/**
 * Where a review's time goes (`db:review --timings`): milliseconds per phase and counts of what
 * was done (migrations parsed, findings and states taken from the cache), filled in as the review
 * runs. Measuring costs a clock read per step; the numbers are data, the command prints them.
 */
import type { CacheStats } from "./review-cache.ts";

/** The timings as data (`--timings` with `--format json` prints this). */
export interface TimingsReport {
  /** Milliseconds per phase, in the order the phases first ran. */
  phases: Record<string, number>;
  counts: Record<string, number>;
  /** Milliseconds from the process start to the end of the command, when the command measured it. */
  totalMs?: number;
  /** How the cache served the run (its file reads and writes are parts of the phases); absent without one. */
  cache?: CacheStats;
}

export class ReviewTimings {
  readonly #phases = new Map<string, number>();
  readonly #counts = new Map<string, number>();
  #cache: CacheStats | undefined;
  #total: number | undefined;

  /** Adds `ms` to a phase. */
  add(phase: string, ms: number): void {
    this.#phases.set(phase, (this.#phases.get(phase) ?? 0) + ms);
  }

  /** Runs `work`, adding its time to a phase. */
  time<T>(phase: string, work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  /** Runs async `work`, adding its time to a phase. */
  async timeAsync<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  count(name: string, n = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  /** How many of `name` were counted. */
  counted(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** Records the whole run's time (the phases are parts of it). */
  total(ms: number): void {
    this.#total = ms;
  }

  /** Reports the cache's hits, misses and file reads and writes with the timings. */
  useCache(stats: CacheStats): void {
    this.#cache = stats;
  }

  toJSON(): TimingsReport {
    const phases = Object.fromEntries([...this.#phases].map(([phase, ms]) => [phase, Math.round(ms * 10) / 10]));
    const report: TimingsReport = { phases, counts: Object.fromEntries(this.#counts) };
    if (this.#total !== undefined) report.totalMs = Math.round(this.#total * 10) / 10;
    if (!this.#cache) return report;
    const { readMs, writeMs } = this.#cache;
    return {
      ...report,
      cache: { ...this.#cache, readMs: Math.round(readMs * 10) / 10, writeMs: Math.round(writeMs * 10) / 10 },
    };
  }
}

/** The timings as text for standard error: one phase per line, then the counts and the cache. */
export function formatTimings(report: TimingsReport): string {
  const width = Math.max(...Object.keys(report.phases).map((phase) => phase.length), 10);
  const lines = Object.entries(report.phases).map(
    ([phase, ms]) => `  ${phase.padEnd(width)} ${ms.toFixed(1).padStart(9)} ms`,
  );
  const counts = Object.entries(report.counts).map(([name, n]) => `${name} ${n}`);
  const out = ["timings:", ...lines];
  if (report.totalMs !== undefined) out.push(`  ${"total".padEnd(width)} ${report.totalMs.toFixed(1).padStart(9)} ms`);
  if (counts.length > 0) out.push(`  ${counts.join(", ")}`);
  const { cache } = report;
  if (cache) {
    const kinds = Object.keys(cache.hits) as (keyof typeof cache.hits)[];
    const served = kinds.map((kind) => `${kind} ${cache.hits[kind]}/${cache.hits[kind] + cache.misses[kind]}`);
    out.push(
      `  cache ${cache.dir}: hits ${served.join(", ")}; ${cache.written} written, ${cache.corrupt} damaged; files read in ${cache.readMs} ms, written in ${cache.writeMs} ms`,
    );
    if (cache.writeError) out.push(`  cache not written: ${cache.writeError}`);
  } else out.push("  cache: off");
  return `${out.join("\n")}\n`;
}
