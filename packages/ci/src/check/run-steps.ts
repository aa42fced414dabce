import { spawnSync } from "node:child_process";
import type { CiStep } from "./ci-steps.ts";

/** The outcome of one step: its exit code (0 = passed) and how long it took. */
export interface StepResult {
  name: string;
  exitCode: number;
  seconds: number;
}

/** Called around each step so the command can print progress; the library itself prints nothing. */
export interface StepObserver {
  started(step: CiStep, index: number, total: number): void;
  finished(result: StepResult): void;
}

/**
 * Runs the steps in order as `pnpm run <name>` in `cwd`, with the step's output going straight to
 * the terminal, and stops at the first step that fails. Returns the results of the steps that ran.
 */
export function runSteps(steps: readonly CiStep[], cwd: string, observer: StepObserver): StepResult[] {
  const results: StepResult[] = [];
  for (const [index, step] of steps.entries()) {
    observer.started(step, index, steps.length);
    const startedAt = process.hrtime.bigint();
    const child = spawnSync("pnpm", ["run", step.name], { cwd, stdio: "inherit" });
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const result = { name: step.name, exitCode: child.status ?? 1, seconds };
    results.push(result);
    observer.finished(result);
    if (result.exitCode !== 0) break;
  }
  return results;
}
