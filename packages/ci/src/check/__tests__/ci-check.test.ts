import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CI_STEPS, type CiStep, stepsFor } from "../ci-steps.ts";
import { REPO_ROOT } from "../repo-root.ts";
import { runSteps, type StepResult } from "../run-steps.ts";

describe("the ci:check step list", () => {
  it("runs the wiki's eight Commit Workflow steps in the wiki's order", () => {
    const wiki = ["format:check", "lint", "dep-cruise", "lint:dead-code", "lint:duplication", "typecheck", "test"];
    const names = stepsFor(false).map((step) => step.name);
    expect(names.filter((name) => wiki.includes(name))).toEqual(wiki);
    expect(names.at(-1)).toBe("docs:update-detection");
  });

  it("adds the workflow check and db:review to ci:check, and the build only to ci:full", () => {
    expect(stepsFor(false).map((step) => step.name)).toEqual(expect.arrayContaining(["lint:workflows", "db:review"]));
    expect(stepsFor(false).map((step) => step.name)).not.toContain("build");
    expect(stepsFor(true).map((step) => step.name)).toEqual(CI_STEPS.map((step) => step.name));
  });

  it("names only scripts that exist in the root package.json", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: object }).scripts;
    expect(CI_STEPS.map((step) => step.name).filter((name) => !(name in scripts))).toEqual([]);
  });
});

describe("runSteps", () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("runs steps in order and stops at the first failure with its exit code", () => {
    dir = mkdtempSync(join(tmpdir(), "ci-check-"));
    const scripts = { first: 'node -e "process.exit(0)"', second: 'node -e "process.exit(3)"', third: 'node -e ""' };
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "steps", private: true, scripts }));
    mkdirSync(join(dir, "node_modules"));
    const steps: CiStep[] = Object.keys(scripts).map((name) => ({ name, catches: name }));
    const seen: string[] = [];

    const results = runSteps(steps, dir, {
      started: (step, index, total) => seen.push(`start ${step.name} ${index + 1}/${total}`),
      finished: (result: StepResult) => seen.push(`end ${result.name} ${result.exitCode}`),
    });

    expect(results.map(({ name, exitCode }) => ({ name, exitCode }))).toEqual([
      { name: "first", exitCode: 0 },
      { name: "second", exitCode: 3 },
    ]);
    expect(results.every((result) => result.seconds > 0)).toBe(true);
    expect(seen).toEqual(["start first 1/3", "end first 0", "start second 2/3", "end second 3"]);
  });
});
