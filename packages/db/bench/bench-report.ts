/** The benchmark's results as data, and their Markdown table. */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MachineInfo } from "./machine-info.ts";

/** One line of the results table: our median, the baseline's, the ratio and the target. */
export interface BenchRow {
  benchmark: string;
  engine: string;
  ours: { label: string; medianMs: number };
  baseline?: { label: string; medianMs: number };
  /** How the row is judged, in words (e.g. "clone ≥ 3× faster"). */
  target: string;
  /** The figure the target is about: a ratio, a percentage or milliseconds, as printed. */
  result: string;
  met: boolean | null;
}

export interface BenchResults {
  machine: MachineInfo;
  runs: number;
  rows: BenchRow[];
  /** What was not measured, or measured differently, and why. */
  notes: string[];
  /** Every sample, per section, for anyone who wants more than medians. */
  details: Record<string, unknown>;
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

/** The results as a Markdown page: machine, table, notes. */
export function formatMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    "# pnpm bench",
    "",
    `${m.date} · ${m.cpuModel} · ${m.cores} cores · ${m.memoryGb} GB · Node ${m.node} · ${m.platform} · medians of ${results.runs} runs`,
    "",
    "| benchmark | engine | ours (median) | baseline (median) | result | target | met |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of results.rows) {
    const baseline = row.baseline ? `${row.baseline.label}: ${ms(row.baseline.medianMs)}` : "—";
    const met = row.met === null ? "—" : row.met ? "yes" : "no";
    lines.push(
      `| ${row.benchmark} | ${row.engine} | ${row.ours.label}: ${ms(row.ours.medianMs)} | ${baseline} | ${row.result} | ${row.target} | ${met} |`,
    );
  }
  if (results.notes.length > 0) lines.push("", ...results.notes.map((note) => `- ${note}`));
  return `${lines.join("\n")}\n`;
}

/**
 * Writes `latest.json` and `latest.md` (this run) into the folder, and appends the run to
 * `runs.jsonl` (one JSON object per line) and `runs.md`, which keep every run; returns their paths.
 */
export async function writeResults(folder: string, results: BenchResults): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const json = join(folder, "latest.json");
  const markdown = join(folder, "latest.md");
  const runs = join(folder, "runs.jsonl");
  const runsMarkdown = join(folder, "runs.md");
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(markdown, formatMarkdown(results));
  await appendFile(runs, `${JSON.stringify(results)}\n`);
  await appendFile(runsMarkdown, `${formatMarkdown(results).replace(/^# pnpm bench\n/, "## pnpm bench\n")}\n`);
  return [json, markdown, runs, runsMarkdown];
}
