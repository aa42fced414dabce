/**
 * The review's configuration: the project's conventions (tenant column and role for a
 * multi-tenant project, the migration from which guards are required), each optional, and a
 * severity per rule. Validation reports every problem at once.
 */
import { MigratorError } from "../errors/migrator-error.ts";
import type { Severity } from "./finding.ts";
import type { ReviewSettings } from "./rule.ts";
import { RULES } from "./rules/index.ts";

/** A rule's configured level: a severity, or `off`. */
export type RuleLevel = Severity | "off";

export interface ReviewConfig extends ReviewSettings {
  /** Overrides of the rules' default severities, by rule id. */
  rules: Record<string, RuleLevel>;
}

/** The configuration file is invalid; `problems` lists every problem found. */
export class ReviewConfigError extends MigratorError {
  override name = "ReviewConfigError";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      "review-config-invalid",
      `${source}: invalid review config:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      `correct each problem listed in ${source} (rule ids: docs/review-rules.md)`,
    );
  }

  protected override details(): Record<string, unknown> {
    return { source: this.source, problems: this.problems };
  }
}

/**
 * Validates a parsed config file.
 *
 * @example parseReviewConfig({ tenantColumn: "organization_id", role: "authenticated", guardBaseline: "0007", rules: { "set-not-null": "error" } }, "review.config.json")
 */
export function parseReviewConfig(value: unknown, source: string): ReviewConfig {
  const problems: string[] = [];
  const record =
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (record !== value) problems.push("expected a JSON object");
  const text = (key: string): string | undefined => {
    const field = record[key];
    if (field === undefined) return undefined;
    if (typeof field === "string" && field.trim() !== "") return field;
    problems.push(`"${key}" must be a non-empty string (or left out)`);
    return undefined;
  };
  const config: ReviewConfig = { rules: {} };
  const tenantColumn = text("tenantColumn");
  const role = text("role");
  const guardBaseline = text("guardBaseline");
  if (tenantColumn !== undefined) config.tenantColumn = tenantColumn;
  if (role !== undefined) config.role = role;
  if (guardBaseline !== undefined) config.guardBaseline = guardBaseline;
  if ((record["tenantColumn"] === undefined) !== (record["role"] === undefined)) {
    problems.push(
      '"tenantColumn" and "role" go together: a multi-tenant project sets both (the RLS rules check that role\'s policies on tables with that column), any other project neither',
    );
  }
  const rules = record["rules"] ?? {};
  if (typeof rules !== "object" || rules === null || Array.isArray(rules)) {
    problems.push('"rules" must be an object of rule id → "error" | "warning" | "off"');
  } else {
    for (const [id, level] of Object.entries(rules)) {
      if (!RULES.some((rule) => rule.id === id))
        problems.push(`"rules": unknown rule "${id}" (see docs/review-rules.md)`);
      else if (level !== "error" && level !== "warning" && level !== "off") {
        problems.push(`"rules"."${id}": "${String(level)}" is not one of "error", "warning", "off"`);
      } else config.rules[id] = level;
    }
  }
  for (const key of Object.keys(record)) {
    if (!["tenantColumn", "role", "guardBaseline", "rules", "$schema"].includes(key))
      problems.push(`unknown key "${key}"`);
  }
  if (problems.length > 0) throw new ReviewConfigError(source, problems);
  return config;
}

/** A rule's effective level under the config. */
export function ruleLevel(config: ReviewConfig, ruleId: string): RuleLevel {
  return config.rules[ruleId] ?? RULES.find((rule) => rule.id === ruleId)?.defaultSeverity ?? "error";
}

/** Whether a migration (by tag) is at or after the guard baseline and must be re-runnable; never without one. */
export function mustBeRerunnable(tag: string, guardBaseline: string | undefined): boolean {
  if (guardBaseline === undefined) return false;
  return tag.slice(0, guardBaseline.length) >= guardBaseline;
}
