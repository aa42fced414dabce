/**
 * `pnpm docs:update-detection [--base REF] [--map FILE] [--repo DIR] [--json]`: fails when files
 * mapped in `docs/doc-map.json` (schema, migrations, seeds) changed since the base branch but the
 * doc pages that describe them did not. Exit 0: docs up to date; 1: stale or missing pages;
 * 2: the check could not run (no base, unreadable mapping, git failure).
 */
import { Command } from "commander";
import { REPO_ROOT } from "../check/repo-root.ts";
import { detectStaleDocs } from "../docs/detect-stale-docs.ts";
import { DocMapError } from "../docs/doc-map.ts";
import { GitError } from "../docs/git.ts";

const program = new Command("docs:update-detection")
  .description("Fail when schema, migration or seed files changed without the doc pages mapped to them")
  .option(
    "--base <ref>",
    "compare with the merge-base of HEAD and this ref (default: $DOCS_BASE_REF, origin/main, main)",
  )
  .option("--map <file>", "the mapping file, relative to the repository", "docs/doc-map.json")
  .option("--repo <dir>", "the repository to check", REPO_ROOT)
  .option("--json", "print the report as JSON", false)
  .parse();
const options = program.opts<{ base?: string; map: string; repo: string; json: boolean }>();

try {
  const report = detectStaleDocs(
    options.repo,
    options.map,
    options.base ?? (process.env["DOCS_BASE_REF"] || undefined),
  );
  const failed = report.stale.length > 0 || report.missingPages.length > 0;
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const shortBase = report.base.commit.slice(0, 12);
    console.log(
      `docs:update-detection: ${report.changed.length} file(s) changed since ${report.base.ref} (${shortBase})`,
    );
    if (report.base.ref === "HEAD") {
      console.log("  no origin/main or main here: only uncommitted and untracked files are checked (pass --base REF)");
    }
    for (const page of report.missingPages) {
      console.error(`✘ ${page} is named in ${options.map} but does not exist: write the page or fix the mapping.`);
    }
    for (const doc of report.stale) {
      console.error(`✘ ${doc.page} must be updated (${doc.rules.join(", ")}): changed without it:`);
      for (const file of doc.because) console.error(`    ${file}`);
    }
    if (report.stale.length > 0) {
      console.error("Describe the change in the page(s) above and commit them with it.");
    }
    if (!failed) console.log("✔ every doc page mapped from a changed file changed too");
  }
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  if (error instanceof DocMapError) {
    console.error(`docs:update-detection: ${error.file} is not a valid mapping file:`);
    for (const problem of error.problems) console.error(`  ${problem}`);
  } else if (error instanceof GitError) {
    console.error(
      `docs:update-detection: git ${error.args.join(" ")} failed in ${error.cwd}:\n  ${error.stderr.trim()}`,
    );
  } else {
    console.error(`docs:update-detection could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 2;
}
