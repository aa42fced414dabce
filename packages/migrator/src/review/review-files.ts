/** The review's files on disk: the config and the baseline of accepted findings. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { MigratorError } from "../errors/migrator-error.ts";
import { type Baseline, type BaselineEntry, createBaseline, parseBaseline } from "./baseline.ts";
import { parseReviewConfig, type ReviewConfig } from "./config.ts";
import type { Finding } from "./finding.ts";

function readJson(path: string, what: string): unknown {
  if (!existsSync(path))
    throw new MigratorError(
      "review-config-invalid",
      `${path}: no ${what}`,
      "on a project new to db:review, run db:review --init (it writes the config and a baseline); otherwise pass --config",
    );
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new MigratorError(
      what === "baseline" ? "review-baseline-invalid" : "review-config-invalid",
      `${path}: not JSON (${(error as Error).message})`,
      "restore it from git",
    );
  }
}

/** Reads and validates the review config. */
export function readReviewConfig(path: string): ReviewConfig {
  return parseReviewConfig(readJson(path, "review config"), path);
}

/** Reads the baseline; a missing file is an empty baseline. */
export function readBaseline(path: string): Baseline {
  if (!existsSync(path)) return { version: 1, findings: [] };
  return parseBaseline(readJson(path, "baseline"), path);
}

/** Writes the baseline that accepts exactly these findings, and the `kept` entries of rules this run did not run. */
export function writeBaseline(path: string, findings: readonly Finding[], kept: readonly BaselineEntry[] = []): void {
  writeFileSync(path, `${JSON.stringify(createBaseline(findings, kept), null, 2)}\n`);
}
