import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../check/repo-root.ts";
import { lintWorkflow } from "../lint-workflow.ts";

const ciYml = readFileSync(join(REPO_ROOT, ".github/workflows/ci.yml"), "utf8");

describe("lintWorkflow (GitHub Actions workflow schema)", () => {
  it("accepts the repository's ci.yml", () => {
    expect(lintWorkflow(ciYml)).toEqual([]);
  });

  it("rejects a broken workflow, naming each mistake and where it is", () => {
    const problems = lintWorkflow(readFileSync(join(import.meta.dirname, "fixtures/broken-ci.yml"), "utf8"));
    expect(problems).toContainEqual({
      path: "/jobs/quality",
      message: "Property conditions are not met: Additional property 'stepz' is not allowed",
    });
    expect(problems).toContainEqual({
      path: "/jobs/migrate-prod/needs",
      message: "Unresolved job: unresolved job qualty",
    });
    expect(problems.some((problem) => problem.path === "/jobs/migrate-prod/steps/0")).toBe(true);
  });

  it("reports YAML that does not parse instead of throwing", () => {
    expect(lintWorkflow("jobs: [unclosed\n").length).toBeGreaterThan(0);
  });
});

interface Job {
  needs?: string | string[];
  if?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; ports: string[]; env: Record<string, string> }>;
  steps: { name?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> }[];
}
const workflow = parse(ciYml) as {
  concurrency: { group: string; "cancel-in-progress": string };
  jobs: Record<string, Job>;
};
const jobs = workflow.jobs;
const runs = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
const step = (job: Job, name: string) => job.steps.find((candidate) => candidate.name === name);

describe("ci.yml: what the jobs promise", () => {
  it("cancels superseded runs except on main, where a running migration is never cancelled", () => {
    expect(workflow.concurrency.group).toBe("ci-${{ github.ref }}");
    expect(workflow.concurrency["cancel-in-progress"]).toBe("${{ github.ref != 'refs/heads/main' }}");
    expect(jobs["migrate-prod"]?.concurrency).toEqual({ group: "migrate-prod", "cancel-in-progress": false });
  });

  it("quality migrates a pgvector PostgreSQL on 5433, verifies, checks RLS, then runs ci:check", () => {
    const quality = jobs["quality"]!;
    expect(quality.services?.["postgres"]).toMatchObject({
      image: "pgvector/pgvector:pg18",
      ports: ["5433:5432"],
      env: { POSTGRES_USER: "trovella", POSTGRES_PASSWORD: "trovella_dev", POSTGRES_DB: "trovella" },
    });
    const commands = runs(quality);
    const order = ["pnpm db:migrate", "pnpm db:verify", "pnpm db:rls", "pnpm ci:check"].map((command) =>
      commands.indexOf(command),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("migrate-prod runs on pushes to main after quality and gates deploy-prod", () => {
    const migrate = jobs["migrate-prod"]!;
    expect(migrate.needs).toBe("quality");
    expect(migrate.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(migrate.permissions).toMatchObject({ "id-token": "write" });
    expect(jobs["deploy-prod"]?.needs).toEqual(["quality", "migrate-prod"]);
  });

  it("migrate-prod filters on the folders the files really live in (seeds/, not seed/)", () => {
    const filters = step(jobs["migrate-prod"]!, "Check for schema changes")?.with?.["filters"] ?? "";
    expect(filters).toContain("'packages/db/src/seeds/**'");
    expect(filters).toContain("'packages/db/src/schema/**'");
    expect(filters).toContain("'packages/db/src/migrations/**'");
    expect(filters).not.toMatch(/src\/seed\//);
  });

  it("migrate-prod authenticates with WIF, reads the URL from Secret Manager and migrates with timeouts", () => {
    const migrate = jobs["migrate-prod"]!;
    expect(step(migrate, "Authenticate to GCP (Workload Identity Federation)")?.with).toEqual({
      workload_identity_provider: "${{ vars.WIF_PROVIDER }}",
      service_account: "${{ vars.WIF_SERVICE_ACCOUNT }}",
    });
    expect(step(migrate, "Read DATABASE_URL from Secret Manager")?.with?.["secrets"]).toContain(
      "/trovella-database-url",
    );
    // lock_timeout stays the runner's short default: a longer one is a longer app stall behind the deploy.
    expect(step(migrate, "Migrate")?.env).toEqual({
      MIGRATE_STATEMENT_TIMEOUT: "300000",
    });
    expect(step(migrate, "Seed reference data")?.env).toEqual({ NODE_ENV: "production" });
    const commands = runs(migrate).filter((command) => command.startsWith("pnpm db:"));
    expect(commands).toEqual(["pnpm db:status", "pnpm db:migrate", "pnpm db:verify", "pnpm db:seed"]);
  });

  it("quality hands db:review its --base: the pull request's base or the commit before the push, if git has it", () => {
    const quality = jobs["quality"]!;
    const base = step(quality, "Base for the migration history check (db:review --base)")!;
    expect(base.env?.["BASE"]).toBe(
      "${{ github.event_name == 'pull_request' && format('origin/{0}', github.base_ref) || github.event.before }}",
    );
    expect(quality.steps.indexOf(base)).toBeLessThan(quality.steps.findIndex((s) => s.run?.trim() === "pnpm ci:check"));
    // The step's script, run for real in a repository with one commit.
    const repo = mkdtempSync(join(tmpdir(), "ci-base-"));
    try {
      const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" });
      git("init", "-q");
      git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one");
      const run = (value: string) => {
        const file = join(repo, "github-env");
        writeFileSync(file, "");
        const output = execFileSync("bash", ["-c", base.run!], {
          cwd: repo,
          env: { PATH: process.env["PATH"], BASE: value, GITHUB_ENV: file },
          encoding: "utf8",
        });
        return { output, env: readFileSync(file, "utf8") };
      };
      expect(run("HEAD").env).toBe("DB_REVIEW_BASE=HEAD\n");
      const zero = run("0000000000000000000000000000000000000000");
      expect(zero.env).toBe("");
      expect(zero.output).toContain("::warning::no commit '0000000000000000000000000000000000000000'");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
