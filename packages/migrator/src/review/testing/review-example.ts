/**
 * Runs the review on a rule example (earlier migrations, then the one under test), the way the
 * rules' tests and documented examples use it.
 */
import type { ReviewConfig } from "../config.ts";
import type { Finding } from "../finding.ts";
import type { MigrationSource } from "../migration-source.ts";
import { reviewMigrations } from "../review-migrations.ts";
import type { RuleExample } from "../rule.ts";

/** The settings the examples are written for: a multi-tenant project (tenant column organization_id, role authenticated), with the example itself at the guard baseline. */
export const EXAMPLE_CONFIG: ReviewConfig = {
  tenantColumn: "organization_id",
  role: "authenticated",
  guardBaseline: "0100",
  rules: {},
};

/** The tag the reviewed migration of an example gets. */
const EXAMPLE_TAG = "0100_example";

/** Findings of the example's last migration, optionally only one rule's. */
export async function reviewExample(
  example: RuleExample,
  ruleId?: string,
  config: ReviewConfig = EXAMPLE_CONFIG,
): Promise<Finding[]> {
  const sources: MigrationSource[] = (example.history ?? []).map((text, index) => ({
    tag: `${String(index).padStart(4, "0")}_history`,
    file: `${String(index).padStart(4, "0")}_history.sql`,
    text,
  }));
  sources.push({
    tag: EXAMPLE_TAG,
    file: `${EXAMPLE_TAG}.sql`,
    text: example.sql,
    generated: example.generated,
    generatedError: example.generatedError,
  });
  const findings = await reviewMigrations(sources, { config, only: [EXAMPLE_TAG] });
  return ruleId ? findings.filter((finding) => finding.rule === ruleId) : findings;
}
