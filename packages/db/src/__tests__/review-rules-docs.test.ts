import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderRuleDocs } from "@repo/migrator";
import { RULE_DOCS_PATH } from "../review-docs.ts";

describe("docs/review-rules.md", () => {
  it("is what `pnpm docs:rules` generates from the rule files (run it after changing a rule)", () => {
    expect(readFileSync(RULE_DOCS_PATH, "utf8")).toBe(renderRuleDocs());
  });
});
