import { describe, expect, it } from "vitest";
import type { Finding } from "./finding.ts";
import { formatFindings } from "./formats.ts";

const finding: Finding = {
  file: "src/migrations/0008_add.sql",
  line: 3,
  column: 9,
  rule: "volatile-default-rewrite",
  severity: "error",
  message: 'adds "x", with 100% rewrite',
  help: "Add it nullable, backfill, then SET NOT NULL.",
  fingerprint: "abc",
};

describe("review output formats", () => {
  it("text: file:line:column severity rule message, then the fix", () => {
    expect(formatFindings([finding], "text")).toBe(
      'src/migrations/0008_add.sql:3:9 error volatile-default-rewrite adds "x", with 100% rewrite\n  fix: Add it nullable, backfill, then SET NOT NULL.\n',
    );
  });

  it("json: an array of {file, line, column, rule, severity, message, help}", () => {
    const { fingerprint: _, ...visible } = finding;
    expect(JSON.parse(formatFindings([finding], "json"))).toEqual([visible]);
  });

  it("github: one escaped workflow command per finding", () => {
    expect(formatFindings([finding], "github")).toBe(
      '::error file=src/migrations/0008_add.sql,line=3,col=9,title=volatile-default-rewrite::adds "x", with 100%25 rewrite — fix: Add it nullable, backfill, then SET NOT NULL.\n',
    );
  });

  it("sarif: a 2.1.0 log whose results point at the file and region", () => {
    const log = JSON.parse(formatFindings([{ ...finding, severity: "warning" }], "sarif"));
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: "volatile-default-rewrite",
        level: "warning",
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: "src/migrations/0008_add.sql" },
              region: { startLine: 3, startColumn: 9 },
            },
          },
        ],
      }),
    ]);
    expect(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain("fk-on-delete");
  });
});
