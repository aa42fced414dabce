/**
 * `pnpm lint:workflows [FILE…]`: validates GitHub Actions workflow files (default: every
 * `.github/workflows/*.yml`) against the workflow schema. Exit 0: all valid; 1: problems found;
 * 2: no workflow files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { Command } from "commander";
import { REPO_ROOT } from "../check/repo-root.ts";
import { lintWorkflow } from "../workflows/lint-workflow.ts";

const program = new Command("lint:workflows")
  .description("Validate GitHub Actions workflow files against the workflow schema")
  .argument("[files...]", "workflow files (default: .github/workflows/*.yml and *.yaml)")
  .parse();

const workflowsDir = join(REPO_ROOT, ".github", "workflows");
const files: string[] =
  program.args.length > 0
    ? program.args.map((file) => resolve(process.env["INIT_CWD"] ?? process.cwd(), file))
    : readdirSync(workflowsDir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
        .map((entry) => join(workflowsDir, entry.name));

if (files.length === 0) {
  console.error(`lint:workflows: no workflow files in ${relative(REPO_ROOT, workflowsDir)}`);
  process.exitCode = 2;
} else {
  let failed = 0;
  for (const file of files) {
    const problems = lintWorkflow(readFileSync(file, "utf8"));
    const name = relative(REPO_ROOT, file);
    if (problems.length === 0) {
      console.log(`✔ ${name}`);
      continue;
    }
    failed += 1;
    for (const problem of problems) console.error(`✘ ${name} ${problem.path}: ${problem.message}`);
  }
  process.exitCode = failed > 0 ? 1 : 0;
}
