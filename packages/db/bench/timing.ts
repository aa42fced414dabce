/** Timing helpers for the benchmark: samples in milliseconds and their median. */

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** How long `fn` takes, in milliseconds; `setup` and `teardown` around it are not counted. */
export async function timeOnce<S>(
  fn: (state: S) => Promise<void>,
  setup: () => Promise<S>,
  teardown: (state: S) => Promise<void>,
): Promise<number> {
  const state = await setup();
  const started = performance.now();
  try {
    await fn(state);
    return performance.now() - started;
  } finally {
    await teardown(state);
  }
}

/** A measured operation: its samples (ms) and their median. */
export interface Measurement {
  label: string;
  samples: number[];
  medianMs: number;
}

/**
 * Measures several operations side by side: round after round, each operation once per round,
 * so a load change on the machine hits all of them alike. Returns one measurement per operation.
 */
export async function sideBySide(
  runs: number,
  operations: ReadonlyArray<{ label: string; run: () => Promise<number> }>,
): Promise<Measurement[]> {
  const samples = operations.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) {
    for (const [index, operation] of operations.entries()) samples[index]?.push(await operation.run());
  }
  return operations.map((operation, index) => {
    const list = samples[index] ?? [];
    return {
      label: operation.label,
      samples: list.map((s) => Math.round(s * 10) / 10),
      medianMs: Math.round(median(list) * 10) / 10,
    };
  });
}

/** The `p`-th percentile (0–100) of a list by nearest rank: at least `p`% of the samples are ≤ it. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}
