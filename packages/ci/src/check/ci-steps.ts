/**
 * The steps of `pnpm ci:check`, in the order they run. Each is a root `package.json` script, so a
 * failing step can be rerun on its own with `pnpm <name>`. The first eight are the wiki's Commit
 * Workflow; `lint:workflows` and `db:review` are ours. `ci:full` adds the steps marked `fullOnly`.
 */
export interface CiStep {
  /** The root script that runs the step (`pnpm <name>`). */
  name: string;
  /** What the step catches, printed by `pnpm ci:check --list`. */
  catches: string;
  /** Runs only in `pnpm ci:full`. */
  fullOnly?: boolean;
}

export const CI_STEPS: readonly CiStep[] = [
  { name: "format:check", catches: "formatting that differs from Prettier" },
  { name: "lint", catches: "ESLint errors, including a bare `db` import outside the runner, seeds and auth" },
  { name: "lint:workflows", catches: ".github/workflows files that break the GitHub Actions workflow schema" },
  { name: "dep-cruise", catches: "import cycles and imports across package layers" },
  { name: "lint:dead-code", catches: "unused files, exports and dependencies (Knip)" },
  { name: "lint:duplication", catches: "copy-pasted code over the jscpd threshold" },
  { name: "typecheck", catches: "TypeScript errors, strict, in every package" },
  { name: "db:review", catches: "unsafe or unreviewed SQL in the migration history" },
  { name: "test", catches: "failing tests, unit and database (PGlite and the server on 5433)" },
  { name: "docs:update-detection", catches: "schema, migration or seed changes without their doc pages" },
  { name: "build", catches: "entry points that do not bundle or load on plain Node", fullOnly: true },
];

/** The steps for `ci:check` (`full: false`) or `ci:full` (`full: true`), in order. */
export function stepsFor(full: boolean): CiStep[] {
  return CI_STEPS.filter((step) => full || !step.fullOnly);
}
