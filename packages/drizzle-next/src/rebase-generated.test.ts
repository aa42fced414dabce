/**
 * db:rebase on what Drizzle Kit 1.0 (the pinned release candidate) really writes: a project whose
 * branches each run `drizzle-kit generate`, one folder per migration with a version 8 snapshot.
 * The merge of such branches has no conflict to stop it, so the older folder simply sorts before
 * the newer one: the commutativity check must work here as on the 0.x journal.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type Project, rebaseCommand, readMigrationFolder } from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DRIZZLE_KIT_1 } from "./upgraded-history.ts";

const NODE_MODULES = fileURLToPath(new URL("../node_modules", import.meta.url));
const GIT_ENV = {
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** The schema file: table `base` with `columns` added, and `tables`. */
function schema(columns: string, tables: string): string {
  return [
    'import { integer, pgTable, text } from "drizzle-orm/pg-core";',
    `export const base = pgTable("base", { id: integer("id").primaryKey(), name: text("name")${columns} });`,
    tables,
    "",
  ].join("\n");
}

/** The commands of the Drizzle Kit 1.0 project in `root`. */
function inProject(root: string) {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, env: { ...process.env, ...GIT_ENV }, encoding: "utf8", stdio: "pipe" });
  /** Runs Drizzle Kit 1.0; its exit status and everything it printed. */
  const drizzleKit = (...args: string[]) => {
    const run = spawnSync(process.execPath, [DRIZZLE_KIT_1, ...args, "--config", "drizzle.config.mjs"], {
      cwd: root,
      env: { ...process.env, TZ: "UTC" },
      encoding: "utf8",
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };
  /** Writes the schema, runs `drizzle-kit generate`, commits. */
  const generate = (name: string, source: string) => {
    writeFileSync(join(root, "schema.ts"), source);
    const generated = drizzleKit("generate", "--name", name);
    if (generated.status !== 0) throw new Error(`drizzle-kit generate failed: ${generated.output}`);
    git("add", "-A");
    git("commit", "-q", "-m", name);
  };
  return { root, migrations: join(root, "drizzle"), git, generate, drizzleKit };
}

/** The project every test starts from, generated once for the file (a Drizzle Kit run is most of a second). */
let start: string | undefined;
afterAll(() => {
  if (start) rmSync(start, { recursive: true, force: true });
});

/**
 * A git repository with a Drizzle Kit 1.0 project: `drizzle.config.mjs`, `schema.ts`, `drizzle/`,
 * with table `base` generated and committed on `main`.
 */
function project() {
  if (!start) {
    const made = mkdtempSync(join(tmpdir(), "drizzle-next-rebase-start-"));
    symlinkSync(NODE_MODULES, join(made, "node_modules"));
    writeFileSync(join(made, ".gitignore"), "node_modules\n");
    writeFileSync(
      join(made, "drizzle.config.mjs"),
      'export default { dialect: "postgresql", out: "./drizzle", schema: "./schema.ts" };\n',
    );
    const p = inProject(made);
    p.git("init", "-q", "--initial-branch=main");
    p.generate("base", schema("", ""));
    start = made;
  }
  const root = mkdtempSync(join(tmpdir(), "drizzle-next-rebase-"));
  roots.push(root);
  cpSync(start, root, { recursive: true, verbatimSymlinks: true });
  return inProject(root);
}

/**
 * `feature` generates `ours` first; in a later second `main` generates `theirs`; then `feature`
 * merges main, its schema file resolved to `merged` (the migrations folder merges cleanly).
 */
function mergedBranches(ours: string, theirs: string, merged: string) {
  const p = project();
  p.git("checkout", "-q", "-b", "feature");
  p.generate("branch_a", ours);
  p.git("checkout", "-q", "main");
  // A folder name has one-second resolution: main's migration is generated in a later second
  // (waited for without spinning the CPU the other test files share).
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000 - (Date.now() % 1000) + 1);
  p.generate("branch_b", theirs);
  p.git("checkout", "-q", "feature");
  try {
    p.git("merge", "-q", "--no-edit", "main");
  } catch {
    writeFileSync(join(p.root, "schema.ts"), merged);
    p.git("add", "-A");
    p.git("commit", "-q", "--no-edit");
  }
  return p;
}

function contents(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

function rebase(migrations: string) {
  const target: Project = {
    migrationsFolder: migrations,
    openDriver: () => Promise.reject(new Error("db:rebase opens no database")),
  };
  return runCaptured(rebaseCommand(target), ["--onto", "main"], { env: {}, cwd: migrations });
}

describe("db:rebase on Drizzle Kit 1.0's generated folders", () => {
  it("refuses, naming the column, when both branches generated a change of it, as drizzle-kit check does", async () => {
    const p = mergedBranches(
      schema(', x: text("x")', ""),
      schema(', x: integer("x")', ""),
      schema(', x: integer("x")', ""),
    );
    const folder = readMigrationFolder(p.migrations);
    const [a, b] = folder.migrations.slice(-2).map((m) => m.name);
    expect(a).toMatch(/_branch_a$/);
    expect(b).toMatch(/_branch_b$/);
    expect(folder.migrations.at(-1)!.snapshot!["version"]).toBe("8");
    const check = p.drizzleKit("check");
    expect(check.output).toContain("Non-commutative migrations detected");
    expect(check.output).toContain("add_column: x on base table");

    const before = contents(p.migrations);
    const run = await rebase(p.migrations);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${a}: column "base"."x" — main's ${b}: column "base"."x"`);
    expect(contents(p.migrations)).toEqual(before);
  });

  it("moves the branch's migration after main's when the two touch different tables, with a version 8 snapshot drizzle-kit generate finds no drift against", async () => {
    const note = 'export const note = pgTable("base_note", { id: integer("id").primaryKey() });';
    const tag = 'export const tag = pgTable("base_tag", { id: integer("id").primaryKey() });';
    const p = mergedBranches(schema("", note), schema("", tag), schema("", `${note}\n${tag}`));
    expect(p.drizzleKit("check")).toMatchObject({ status: 0, output: expect.stringContaining("Everything's fine") });
    const [a, b] = readMigrationFolder(p.migrations).migrations.slice(-2);
    expect(a!.name).toMatch(/_branch_a$/);
    const run = await rebase(p.migrations);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Checked against main's ${b!.name}: no object in common.`);

    const rebased = readMigrationFolder(p.migrations).migrations;
    const [second, last] = rebased.slice(-2);
    expect(second!.name).toBe(b!.name);
    expect(last!.name).toMatch(/_branch_a$/);
    expect(last!.name > b!.name).toBe(true);
    expect(last!.sql).toBe(a!.sql);
    expect(last!.snapshot!["version"]).toBe("8");
    expect(last!.snapshot!.prevIds).toEqual([second!.snapshot!.id]);
    // Drizzle Kit 1.0 itself: the merged schema against the regenerated chain has nothing to generate.
    const before = contents(p.migrations);
    const generated = p.drizzleKit("generate", "--name", "drift");
    expect(generated.status, generated.output).toBe(0);
    expect(generated.output).toContain("No schema changes");
    expect(contents(p.migrations)).toEqual(before);
  });
});
