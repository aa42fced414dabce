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

/** Evidence that does not fit a row (plans, timelines), printed after the notes. */
export interface BenchSection {
  title: string;
  markdown: string;
}

export interface BenchResults {
  machine: MachineInfo;
  runs: number;
  rows: BenchRow[];
  /** What was not measured, or measured differently, and why. */
  notes: string[];
  /** Every sample, per section, for anyone who wants more than medians. */
  details: Record<string, unknown>;
  sections: BenchSection[];
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

const loads = (load: number[]) => load.map((l) => l.toFixed(1)).join(" ");

/** The results as a Markdown page: machine and its load, table, notes, sections. */
export function formatMarkdown(results: BenchResults): string {
  const m = results.machine;
  const load = `load average ${loads(m.loadAverage)}${m.loadAverageAtEnd ? ` at start, ${loads(m.loadAverageAtEnd)} at end` : ""} (1/5/15 min)`;
  const lines = [
    "# pnpm bench",
    "",
    `${m.date} · ${m.cpuModel} · ${m.cores} cores · ${m.memoryGb} GB · Node ${m.node} · ${m.platform} · ${load} · medians of ${results.runs} runs`,
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
  for (const section of results.sections) lines.push("", `**${section.title}**`, "", section.markdown);
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
