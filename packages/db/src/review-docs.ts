/**
 * `pnpm docs:rules`: writes docs/review-rules.md from the rule files (the registry in
 * `@repo/migrator`). A test fails when the committed page is out of date.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { renderRuleDocs } from "@repo/migrator";

/** The generated rules page. */
export const RULE_DOCS_PATH = fileURLToPath(new URL("../../../docs/review-rules.md", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dirname(RULE_DOCS_PATH), { recursive: true });
  writeFileSync(RULE_DOCS_PATH, renderRuleDocs());
  console.log(`Wrote ${RULE_DOCS_PATH}`);
}
