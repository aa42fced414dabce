import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";
import { RULES } from "./index.ts";

// Every documented example is a test: the failing one must raise the rule, the passing one must not.
describe("documented rule examples", () => {
  const documented = RULES.filter((rule) => rule.examples);

  it("cover every static and engine rule", () => {
    // Live rules need a database and history rules a git repository: their tests build those
    // (review-live*.test.ts, history-base.test.ts); a SQL example cannot show them.
    const undocumented = RULES.filter(
      (rule) => (rule.source === "static" || rule.source === "engine") && !rule.examples,
    ).map((rule) => rule.id);
    expect(undocumented).toEqual([]);
  });

  for (const rule of documented) {
    it(`${rule.id}: the failing example raises it`, async () => {
      const findings = await reviewExample(rule.examples!.failing, rule.id);
      expect(findings.length).toBeGreaterThan(0);
      expect(findings[0]).toMatchObject({ rule: rule.id, severity: rule.defaultSeverity, help: rule.help });
    });
    it(`${rule.id}: the passing example does not`, async () => {
      expect(await reviewExample(rule.examples!.passing, rule.id)).toEqual([]);
    });
  }
});
