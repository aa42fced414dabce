/**
 * The output formats of `db:review`: `text` for people, `json` for scripts, `github` for workflow
 * annotations, `sarif` for code-scanning tools. Each turns findings into one string.
 */
import type { Finding } from "./finding.ts";
import { RULES } from "./rules/index.ts";

export const FORMATS = ["text", "json", "github", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

/** Renders findings in a format. */
export function formatFindings(findings: readonly Finding[], format: Format): string {
  switch (format) {
    case "text":
      return formatText(findings);
    case "json":
      return `${JSON.stringify(
        findings.map(({ file, line, column, rule, severity, message, help }) => ({
          file,
          line,
          column,
          rule,
          severity,
          message,
          help,
        })),
        null,
        2,
      )}\n`;
    case "github":
      return findings.map(formatGithub).join("");
    case "sarif":
      return `${JSON.stringify(sarif(findings), null, 2)}\n`;
  }
}

/** `file:line:column severity rule-id message`, then the fix, indented. */
function formatText(findings: readonly Finding[]): string {
  return findings
    .map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule} ${f.message}\n  fix: ${f.help}\n`)
    .join("");
}

/** A GitHub Actions workflow command: an annotation on the file and line. */
function formatGithub(f: Finding): string {
  const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const command = f.severity === "error" ? "error" : "warning";
  return `::${command} file=${escapeProperty(f.file)},line=${f.line},col=${f.column},title=${escapeProperty(f.rule)}::${escapeData(`${f.message} — fix: ${f.help}`)}\n`;
}

/** A SARIF 2.1.0 log with one run; every rule of the registry is described. */
function sarif(findings: readonly Finding[]) {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "db-review",
            rules: RULES.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.explanation },
              help: { text: rule.help },
              defaultConfiguration: { level: rule.defaultSeverity === "error" ? "error" : "warning" },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: f.severity === "error" ? "error" : "warning",
          message: { text: `${f.message}. Fix: ${f.help}` },
          partialFingerprints: { statement: f.fingerprint },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
      },
    ],
  };
}
