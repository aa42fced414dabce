/**
 * The rules' documentation, generated from the registry so it cannot drift from the code:
 * `pnpm docs:rules` writes it, and a test fails when the committed file is out of date.
 */
import type { RuleExample } from "./rule.ts";
import { RULES } from "./rules/index.ts";

/** The Markdown page for every rule. */
export function renderRuleDocs(): string {
  const lines: string[] = [
    "# db:review rules",
    "",
    "<!-- Generated from packages/migrator/src/review/rules/*.ts by `pnpm docs:rules`. Do not edit by hand. -->",
    "",
    "`pnpm db:review` checks every migration against these rules. Severities can be changed per rule in the",
    'review config (`"rules": { "<id>": "error" | "warning" | "off" }`); a finding on one statement is',
    "accepted with `-- review-ignore <id>: <reason>` on a line above it: it covers the first statement below it (with",
    "the statements inside a DO block), never the next one, even without a `--> statement-breakpoint` between them.",
    "",
    "| id | severity | source | finds |",
    "|---|---|---|---|",
    ...RULES.map(
      (rule) => `| [\`${rule.id}\`](#${rule.id}) | ${rule.defaultSeverity} | ${rule.source} | ${rule.summary} |`,
    ),
    "",
  ];
  for (const rule of RULES) {
    lines.push(
      `## ${rule.id}`,
      "",
      `**${rule.defaultSeverity}** (${rule.source}) — ${rule.summary}.`,
      "",
      rule.explanation,
      "",
      `**Fix:** ${rule.help}`,
      "",
    );
    if (rule.examples) {
      lines.push(
        "Fails:",
        "",
        ...exampleBlock(rule.examples.failing),
        "Passes:",
        "",
        ...exampleBlock(rule.examples.passing),
      );
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function exampleBlock(example: RuleExample): string[] {
  const blocks: string[] = [];
  if (example.history?.length) blocks.push("```sql", "-- earlier migrations", ...example.history, "```", "");
  if (example.generated?.length)
    blocks.push(
      "```sql",
      "-- what Drizzle Kit generates from the snapshots",
      ...example.generated.map((s) => s.trimEnd()),
      "```",
      "",
    );
  if (example.generatedError)
    blocks.push("```text", `Drizzle Kit's differ, from the snapshots: ${example.generatedError}`, "```", "");
  blocks.push("```sql", example.sql, "```", "");
  return blocks;
}
