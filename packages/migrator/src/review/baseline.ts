/**
 * The baseline: findings in already-applied migrations that the team accepted, committed so that
 * CI fails only on new ones. An entry is keyed by file name, rule and statement fingerprint (a
 * hash of the statement's SQL), so editing comments or moving a statement keeps it accepted while
 * changing the statement does not.
 */
import { basename } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import type { Finding } from "./finding.ts";

export interface BaselineEntry {
  /** The migration's file name (no folder). */
  file: string;
  rule: string;
  fingerprint: string;
  /** For the human reading the file; not compared. */
  message: string;
}

export interface Baseline {
  version: 1;
  findings: BaselineEntry[];
}

/** The baseline file is not what `--write-baseline` writes. */
export class BaselineFileError extends MigratorError {
  override name = "BaselineFileError";
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(
      "review-baseline-invalid",
      `${source}: invalid review baseline: ${problem}`,
      "restore the file from git, or regenerate it with db:review --write-baseline",
    );
  }
}

/** The baseline that accepts exactly these findings. */
export function createBaseline(findings: readonly Finding[], kept: readonly BaselineEntry[] = []): Baseline {
  const entries = [
    ...findings.map((f) => ({
      file: basename(f.file),
      rule: f.rule,
      fingerprint: f.fingerprint,
      message: f.message,
    })),
    ...kept,
  ];
  entries.sort((a, b) => `${a.file} ${a.rule} ${a.fingerprint}`.localeCompare(`${b.file} ${b.rule} ${b.fingerprint}`));
  return { version: 1, findings: entries };
}

/** Validates a parsed baseline file. */
export function parseBaseline(value: unknown, source: string): Baseline {
  if (typeof value !== "object" || value === null) throw new BaselineFileError(source, "expected a JSON object");
  const record = value as Record<string, unknown>;
  if (record["version"] !== 1) throw new BaselineFileError(source, '"version" must be 1');
  if (!Array.isArray(record["findings"])) throw new BaselineFileError(source, '"findings" must be an array');
  const findings = record["findings"].map((entry, index) => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    for (const key of ["file", "rule", "fingerprint"]) {
      if (typeof e[key] !== "string") throw new BaselineFileError(source, `findings[${index}].${key} must be a string`);
    }
    return {
      file: String(e["file"]),
      rule: String(e["rule"]),
      fingerprint: String(e["fingerprint"]),
      message: String(e["message"] ?? ""),
    };
  });
  return { version: 1, findings };
}

/** Splits findings into those the baseline accepts and the rest; also returns entries that matched nothing. */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: Baseline,
): { remaining: Finding[]; accepted: Finding[]; stale: BaselineEntry[] } {
  const key = (file: string, rule: string, fingerprint: string) => `${basename(file)}\u0000${rule}\u0000${fingerprint}`;
  const available = new Map<string, number>();
  for (const entry of baseline.findings) {
    const k = key(entry.file, entry.rule, entry.fingerprint);
    available.set(k, (available.get(k) ?? 0) + 1);
  }
  const remaining: Finding[] = [];
  const accepted: Finding[] = [];
  for (const finding of findings) {
    const k = key(finding.file, finding.rule, finding.fingerprint);
    const count = available.get(k) ?? 0;
    if (count > 0) {
      available.set(k, count - 1);
      accepted.push(finding);
    } else remaining.push(finding);
  }
  const stale = baseline.findings.filter((entry) => {
    const k = key(entry.file, entry.rule, entry.fingerprint);
    const count = available.get(k) ?? 0;
    if (count === 0) return false;
    available.set(k, count - 1);
    return true;
  });
  return { remaining, accepted, stale };
}
