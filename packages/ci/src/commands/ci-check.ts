/**
 * `pnpm ci:check` / `pnpm ci:full`: every quality check, in order, stopping at the first failure,
 * with each step's name and time. Exit 0 when all passed, else the failing step's exit code.
 */
import { Command } from "commander";
import { stepsFor } from "../check/ci-steps.ts";
import { REPO_ROOT } from "../check/repo-root.ts";
import { runSteps } from "../check/run-steps.ts";

const program = new Command("ci:check")
  .description("Run every quality check in order, stopping at the first failure")
  .option("--full", "also run the build (pnpm ci:full)", false)
  .option("--list", "print the steps and what each catches, run nothing", false)
  .option("--except <steps...>", "leave these steps out (they are listed as not run); .ci/run runs `test` last itself")
  .parse();
const options = program.opts<{ full: boolean; list: boolean; except?: string[] }>();
const left = new Set(options.except ?? []);
const unknown = [...left].filter((name) => !stepsFor(true).some((step) => step.name === name));
if (unknown.length > 0) program.error(`--except: no step named ${unknown.join(", ")} (see --list)`);
const steps = stepsFor(options.full).filter((step) => !left.has(step.name));
if (left.size > 0) console.log(`ci:check without ${[...left].join(", ")} (--except): run them separately.`);

if (options.list) {
  for (const step of steps) console.log(`${step.name.padEnd(24)}${step.catches}`);
} else {
  const began = Date.now();
  const results = runSteps(steps, REPO_ROOT, {
    started: (step, index, total) => console.log(`\n━━ [${index + 1}/${total}] ${step.name}: ${step.catches}`),
    finished: (result) =>
      console.log(
        result.exitCode === 0
          ? `━━ ✔ ${result.name} passed in ${result.seconds.toFixed(1)} s`
          : `━━ ✘ ${result.name} failed (exit ${result.exitCode}) in ${result.seconds.toFixed(1)} s`,
      ),
  });
  const failed = results.find((result) => result.exitCode !== 0);
  const total = ((Date.now() - began) / 1000).toFixed(1);
  console.log("\nci:check summary");
  for (const result of results) {
    console.log(`  ${result.exitCode === 0 ? "✔" : "✘"} ${result.name.padEnd(24)}${result.seconds.toFixed(1)} s`);
  }
  if (failed) {
    const skipped = steps.slice(results.length).map((step) => step.name);
    if (skipped.length > 0) console.log(`  not run: ${skipped.join(", ")}`);
    console.error(
      `\n${failed.name} failed: rerun it alone with \`pnpm ${failed.name}\`, fix it, then run ci:check again.`,
    );
    process.exitCode = failed.exitCode;
  } else {
    console.log(`\nAll ${results.length} steps passed in ${total} s.`);
  }
}
