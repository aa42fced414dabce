import { describe, expect, it } from "vitest";
import { mustBeRerunnable, parseReviewConfig, ReviewConfigError, ruleLevel } from "./config.ts";

describe("review config", () => {
  it("reads settings and severity overrides", () => {
    const config = parseReviewConfig(
      {
        tenantColumn: "organization_id",
        role: "authenticated",
        guardBaseline: "0007",
        rules: { "set-not-null": "error", "drop-statement": "off" },
      },
      "review.config.json",
    );
    expect(ruleLevel(config, "set-not-null")).toBe("error");
    expect(ruleLevel(config, "drop-statement")).toBe("off");
    expect(ruleLevel(config, "non-concurrent-index")).toBe("warning");
  });

  it("reports every problem at once", () => {
    let error: unknown;
    try {
      parseReviewConfig(
        { role: "", guardBaseline: "0007", rules: { "no-such-rule": "error", "set-not-null": "fatal" }, extra: 1 },
        "review.config.json",
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReviewConfigError);
    expect((error as ReviewConfigError).problems).toEqual([
      '"role" must be a non-empty string (or left out)',
      '"tenantColumn" and "role" go together: a multi-tenant project sets both (the RLS rules check that role\'s policies on tables with that column), any other project neither',
      '"rules": unknown rule "no-such-rule" (see docs/review-rules.md)',
      '"rules"."set-not-null": "fatal" is not one of "error", "warning", "off"',
      'unknown key "extra"',
    ]);
  });

  it("reads accepted edits, each with a tag and a reason, and refuses incomplete ones", () => {
    const settings = { tenantColumn: "organization_id", role: "authenticated", guardBaseline: "0007" };
    const config = parseReviewConfig(
      { ...settings, acceptedEdits: [{ tag: "0007_x", reason: "typo in a comment" }] },
      "review.config.json",
    );
    expect(config.acceptedEdits).toEqual([{ tag: "0007_x", reason: "typo in a comment" }]);
    expect(parseReviewConfig(settings, "review.config.json").acceptedEdits).toBeUndefined();
    const problems = (value: unknown) => {
      try {
        parseReviewConfig({ ...settings, acceptedEdits: value }, "review.config.json");
      } catch (error) {
        return (error as ReviewConfigError).problems;
      }
      return [];
    };
    expect(problems({ tag: "0007_x" })).toEqual([
      '"acceptedEdits" must be an array of { "tag": "<migration>", "reason": "<why the edit is safe>" }',
    ]);
    expect(
      problems([{ tag: "0007_x" }, { tag: "", reason: "r" }, { tag: "0008_y", reason: "r", sha: "1" }, "0009"]),
    ).toEqual([
      '"acceptedEdits"[0]: "reason" must say why the edit is safe (a reviewer reads it)',
      '"acceptedEdits"[1]: "tag" must name a migration',
      '"acceptedEdits"[2]: unknown key "sha"',
      '"acceptedEdits"[3]: "tag" must name a migration',
      '"acceptedEdits"[3]: "reason" must say why the edit is safe (a reviewer reads it)',
    ]);
    expect(
      problems([
        { tag: "0007_x", reason: "a" },
        { tag: "0007_x", reason: "b" },
      ]),
    ).toEqual(['"acceptedEdits"[1]: "0007_x" is listed twice']);
  });

  it("compares tags with the guard baseline by their number", () => {
    expect(mustBeRerunnable("0006_milky_dreadnoughts", "0007")).toBe(false);
    expect(mustBeRerunnable("0007_tro-101-research-improvements", "0007")).toBe(true);
    expect(mustBeRerunnable("0010_next", "0007")).toBe(true);
  });

  it("takes a project without conventions: no tenant column, no guard baseline", () => {
    const config = parseReviewConfig({ rules: {} }, "review.config.json");
    expect(config).toEqual({ rules: {} });
    expect(mustBeRerunnable("0298_nosy_ken_ellis", config.guardBaseline)).toBe(false);
  });

  it("refuses a tenant column without the role its policies are for", () => {
    expect(() => parseReviewConfig({ tenantColumn: "organization_id", rules: {} }, "review.config.json")).toThrow(
      '"tenantColumn" and "role" go together',
    );
  });
});
