import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../check/repo-root.ts";
import { BaseNotFoundError } from "../changed-files.ts";
import { detectStaleDocs } from "../detect-stale-docs.ts";
import { readDocMap } from "../doc-map.ts";
import { git } from "../git.ts";
import { findStaleDocs } from "../stale-docs.ts";

/**
 * docs:update-detection in a real, temporary git repository: `main` holds the schema and its doc
 * page, a feature branch changes the schema, with or without the page.
 */
let repo: string;

function write(file: string, text: string): void {
  mkdirSync(dirname(join(repo, file)), { recursive: true });
  writeFileSync(join(repo, file), text);
}

function commit(message: string): void {
  git(repo, ["add", "--all"]);
  git(repo, ["commit", "--quiet", "-m", message]);
}

const docMap = {
  mappings: [
    { name: "schema", paths: ["packages/db/src/schema/**"], docs: ["docs/schema-design.md"] },
    { name: "migrations", paths: ["packages/db/src/migrations/**"], docs: ["docs/migrations-overview.md"] },
  ],
};

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "docs-update-detection-"));
  git(repo, ["init", "--quiet", "--initial-branch=main"]);
  git(repo, ["config", "user.name", "Test"]);
  git(repo, ["config", "user.email", "test@example.invalid"]);
  write("docs/doc-map.json", JSON.stringify(docMap));
  write("docs/schema-design.md", "# Schema design\n");
  write("docs/migrations-overview.md", "# Migrations\n");
  write("packages/db/src/schema/research.ts", "export const researchPlan = 1;\n");
  write("packages/db/src/client.ts", "export const client = 1;\n");
  commit("initial");
  git(repo, ["switch", "--quiet", "-c", "feature"]);
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe("docs:update-detection", () => {
  it("fails on a committed schema change without its doc page, naming the page and the file", () => {
    write("packages/db/src/schema/research.ts", "export const researchPlan = 2;\n");
    commit("change the schema only");

    const report = detectStaleDocs(repo, "docs/doc-map.json");

    expect(report.base.ref).toBe("main");
    expect(report.changed).toEqual(["packages/db/src/schema/research.ts"]);
    expect(report.stale).toEqual([
      { page: "docs/schema-design.md", rules: ["schema"], because: ["packages/db/src/schema/research.ts"] },
    ]);
  });

  it("passes when the same change commits its doc page too", () => {
    write("packages/db/src/schema/research.ts", "export const researchPlan = 2;\n");
    write("docs/schema-design.md", "# Schema design\n\nresearch_plan changed.\n");
    commit("change the schema and its page");

    expect(detectStaleDocs(repo, "docs/doc-map.json").stale).toEqual([]);
  });

  it("ignores changes outside the mapped paths", () => {
    write("packages/db/src/client.ts", "export const client = 2;\n");
    commit("change the client");

    expect(detectStaleDocs(repo, "docs/doc-map.json").stale).toEqual([]);
  });

  it("sees uncommitted and untracked files, so it can run before committing", () => {
    write("packages/db/src/migrations/0010_new.sql", "CREATE TABLE t (id int);\n");

    expect(detectStaleDocs(repo, "docs/doc-map.json").stale.map((doc) => doc.page)).toEqual([
      "docs/migrations-overview.md",
    ]);
  });

  it("reports a mapped page that does not exist", () => {
    write(
      "docs/doc-map.json",
      JSON.stringify({ mappings: [{ name: "seeds", paths: ["x/**"], docs: ["docs/gone.md"] }] }),
    );

    expect(detectStaleDocs(repo, "docs/doc-map.json").missingPages).toEqual(["docs/gone.md"]);
  });

  it("refuses a base that was asked for and does not exist, saying how to fix it", () => {
    expect(() => detectStaleDocs(repo, "docs/doc-map.json", "origin/nowhere")).toThrow(BaseNotFoundError);
    expect(() => detectStaleDocs(repo, "docs/doc-map.json", "origin/nowhere")).toThrow(
      "no base to compare with: origin/nowhere does not name a commit. Fetch it (git fetch origin main) or pass --base REF.",
    );
  });

  it("without a main branch, compares with HEAD: only uncommitted and untracked files count", () => {
    write("packages/db/src/schema/research.ts", "export const researchPlan = 2;\n");
    commit("committed schema change");
    git(repo, ["branch", "--quiet", "-D", "main"]);
    write("packages/db/src/migrations/0010_new.sql", "CREATE TABLE t (id int);\n");

    const report = detectStaleDocs(repo, "docs/doc-map.json");

    expect(report.base.ref).toBe("HEAD");
    expect(report.changed).toEqual(["packages/db/src/migrations/0010_new.sql"]);
  });

  it("exits 1 naming the page from the command line, and 0 once the page changed", () => {
    // The script as `pnpm docs:update-detection` runs it (tsx), in one node process.
    const run = () =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", "src/commands/docs-update-detection.ts", "--repo", repo, "--base", "main"],
        { cwd: join(REPO_ROOT, "packages/ci"), encoding: "utf8" },
      );
    write("packages/db/src/schema/research.ts", "export const researchPlan = 2;\n");
    commit("change the schema only");

    const failing = run();
    expect(failing.status).toBe(1);
    expect(failing.stderr).toContain("✘ docs/schema-design.md must be updated (schema): changed without it:");
    expect(failing.stderr).toContain("    packages/db/src/schema/research.ts");

    write("docs/schema-design.md", "# Schema design\n\nresearch_plan changed.\n");
    commit("describe it");
    const passing = run();
    expect(passing.stderr).toBe("");
    expect(passing.status).toBe(0);
    expect(passing.stdout).toContain("2 file(s) changed since main");
  });
});

describe("the repository's doc map", () => {
  const mappings = readDocMap(join(REPO_ROOT, "docs/doc-map.json"));

  it.each(["migrations/0010_x.sql", "migrations/meta/_journal.json", "schema/research.ts", "seeds/reference.ts"])(
    "maps packages/db/src/%s to at least one doc page",
    (file) => {
      expect(findStaleDocs([`packages/db/src/${file}`], mappings).length).toBeGreaterThan(0);
    },
  );

  it("rejects a mapping file with the wrong shape, listing every problem", () => {
    write("bad.json", JSON.stringify({ mappings: [{ name: "", paths: [], docs: ["a.md"] }, { paths: ["x"] }] }));
    expect(() => readDocMap(join(repo, "bad.json"))).toThrow(
      /mappings\[0\]\.name .*; mappings\[0\]\.paths .*; mappings\[1\]\.name .*; mappings\[1\]\.docs/,
    );
  });
});
