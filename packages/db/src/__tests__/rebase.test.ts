import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { compareWithBase, planRevert, readMigrationFolder, writeRevert } from "@repo/migrator";
import { pgTable, text, uuid } from "drizzle-orm/pg-core";
import { afterEach, describe, expect, it } from "vitest";
import { organization } from "../schema/index.ts";
import { branchesThatEachGenerate, generateInto, pendingStatements } from "../testing/generate-migration.ts";
import {
  folderNameOf,
  type GitRepository,
  gitRepository,
  mergeKeepingBoth,
  toFoldersLayout,
} from "../testing/git-repository.ts";
import { refusal } from "../testing/revert-refusal.ts";
import { runCommand } from "../testing/run-command.ts";

/**
 * `db:rebase` on real git repositories: two branches each generate a migration with Drizzle Kit's
 * own differ (Trovella's schema plus a table of their own), `main` gets its one first, then the
 * branch is merged and rebased. Every refusal leaves the folder byte for byte as it was.
 */
const branchA = {
  branchANote: pgTable("branch_a_note", {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organization.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
  }),
};
const branchB = {
  branchBTag: pgTable("branch_b_tag", { id: uuid("id").primaryKey().defaultRandom(), label: text("label") }),
};
const sharedA = { shared: pgTable("shared_table", { id: uuid("id").primaryKey(), a: text("a") }) };
const sharedB = { shared: pgTable("shared_table", { id: uuid("id").primaryKey(), b: text("b") }) };

const repositories: GitRepository[] = [];
afterEach(() => {
  for (const repo of repositories.splice(0)) repo.remove();
});

function repository(upTo?: number): GitRepository {
  const repo = gitRepository(upTo);
  repositories.push(repo);
  return repo;
}

/** Every file of the folder with its bytes: what a refusal must leave unchanged. */
function contents(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "latin1");
    }
  };
  walk(dir);
  return files;
}

/** The number prefix of a 0.x tag (`0011`), and the tag `tag` gets when moved after `after`. */
const prefix = (tag: string) => tag.split("_")[0]!;
const movedAfter = (tag: string, after: string) =>
  `${String(Number(prefix(after)) + 1).padStart(4, "0")}_${tag.slice(tag.indexOf("_") + 1)}`;

const lastSnapshot = (dir: string) => readMigrationFolder(dir).migrations.at(-1)!.snapshot!;
const rebase = (repo: GitRepository, ...args: string[]) =>
  runCommand("rebase", ["--migrations", repo.migrations.dir, ...args], {});

describe("db:rebase after a merge (Drizzle Kit 0.x's journal)", () => {
  it("moves the branch's migration after main's, with a snapshot drizzle-kit generate finds no drift against", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    mergeKeepingBoth(repo, "main");
    const merged = readMigrationFolder(repo.migrations.dir);
    expect(merged.migrations.slice(-2).map((m) => m.tag)).toEqual([tagB, tagA]);
    expect(merged.warnings.map((w) => w.kind)).toContain("when-not-increasing");
    // What the merge leaves: the last snapshot lacks the branch's table, so generate would emit it again.
    expect((await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA, ...branchB })).join()).toContain(
      'CREATE TABLE "branch_a_note"',
    );

    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const moved = movedAfter(tagA, tagB);
    expect(run.stdout).toContain(`Checked against main's ${tagB}: no object in common.`);
    expect(run.stdout).toContain(`Moved ${tagA} -> ${moved} (when `);
    const rebased = readMigrationFolder(repo.migrations.dir);
    expect(rebased.migrations.slice(-2).map((m) => m.tag)).toEqual([tagB, moved]);
    expect(rebased.warnings).toEqual([]);
    expect(rebased.migrations.at(-1)!.when).toBeGreaterThan(rebased.migrations.at(-2)!.when);
    expect(rebased.migrations.at(-1)!.snapshot!.prevId).toBe(rebased.migrations.at(-2)!.snapshot!.id);
    expect(rebased.migrations.at(-1)!.sql).toBe(merged.migrations.at(-1)!.sql);
    expect(await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA, ...branchB })).toEqual([]);
    expect(
      repo.git("diff", "main", "--", `db/migrations/${tagB}.sql`, `db/migrations/meta/${prefix(tagB)}_snapshot.json`),
    ).toBe("");
    repo.commit("db:rebase");
    expect((await compareWithBase(rebased, "main")).edits).toEqual([]);

    const again = await rebase(repo, "--onto", "main");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Nothing to rebase onto main (`);
  });

  it("moves two of the branch's migrations and keeps both snapshots (the second's old name is the first's new one)", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    const branchA2 = { ...branchA, branchANote2: pgTable("branch_a_note_2", { id: uuid("id").primaryKey() }) };
    const lastA = repo.migrations.entries().at(-1)!;
    const tagA2 = await generateInto(repo.migrations, "branch_a_2", branchA2, lastA.when + 1000);
    repo.commit("feature: generate again");
    mergeKeepingBoth(repo, "main");
    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const rebased = readMigrationFolder(repo.migrations.dir);
    const moved = [movedAfter(tagA, tagB), movedAfter(tagA2, movedAfter(tagA, tagB))];
    expect(rebased.migrations.slice(-3).map((m) => m.tag)).toEqual([tagB, ...moved]);
    expect(rebased.warnings).toEqual([]);
    for (const m of rebased.migrations.slice(-2)) expect(m.snapshot, m.tag).toBeDefined();
    expect(await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA2, ...branchB })).toEqual([]);
  });

  it("moves a migration with its db:revert, whose header then names the migration's new tag (a second revert is still refused)", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    const revert = await planRevert({ folder: repo.migrations.dir, tag: tagA, name: "undo_a" });
    writeRevert(revert);
    repo.commit("feature: revert");
    mergeKeepingBoth(repo, "main");
    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const movedA = movedAfter(tagA, tagB);
    const movedRevert = movedAfter(revert.migration.entry.tag, movedA);
    const rebased = readMigrationFolder(repo.migrations.dir);
    expect(rebased.migrations.slice(-2).map((m) => m.tag)).toEqual([movedA, movedRevert]);
    const [firstLine, ...rest] = rebased.migrations.at(-1)!.sql.split("\n");
    expect(firstLine).toBe(`-- db:revert: reverses ${movedA}, returning the schema to its state before it.`);
    expect(rest.join("\n")).toBe(revert.migration.sql.split("\n").slice(1).join("\n"));
    const again = await refusal(planRevert({ folder: repo.migrations.dir, tag: movedA }));
    expect(again.code).toBe("already-reverted");
    expect(again.message).toBe(`${movedA} is reverted already, by ${movedRevert}`);
    // main's migration, numbered as the branch's was before the move, is not taken for reverted.
    expect((await planRevert({ folder: repo.migrations.dir, tag: tagB })).reverted.tag).toBe(tagB);
  });

  it("resolves the folder of a merge stopped on its conflicts (the base is the branch being merged)", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    const merge = repo.tryGit("merge", "--no-edit", "main");
    expect(merge.status).not.toBe(0);
    expect(merge.output).toContain("CONFLICT");
    expect(() => readMigrationFolder(repo.migrations.dir)).toThrow("malformed journal");

    const run = await rebase(repo);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Rebasing onto MERGE_HEAD (");
    expect(run.stdout).toContain("read from HEAD (the merge left the folder in conflict)");
    expect(run.stdout).toContain(`Wrote as at MERGE_HEAD: meta/${prefix(tagB)}_snapshot.json, meta/_journal.json\n`);
    repo.commit("merge main");
    const rebased = readMigrationFolder(repo.migrations.dir);
    expect(rebased.migrations.slice(-2).map((m) => m.tag)).toEqual([tagB, movedAfter(tagA, tagB)]);
    expect(rebased.warnings).toEqual([]);
    expect(await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA, ...branchB })).toEqual([]);
  });

  it("refuses, in a merge stopped on its conflicts, when the branch's own migration has uncommitted changes", async () => {
    const repo = repository();
    const { tagA } = await branchesThatEachGenerate(repo, branchA, branchB);
    const own = join(repo.migrations.dir, `${tagA}.sql`);
    appendFileSync(own, '\n--> statement-breakpoint\nCREATE INDEX "uncommitted_idx" ON "branch_a_note" ("id");');
    const edited = readFileSync(own, "utf8");
    expect(repo.tryGit("merge", "--no-edit", "main").output).toContain("CONFLICT");
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`the branch's ${tagA}.sql has uncommitted changes`);
    expect(run.stderr).toContain("nothing was changed");
    expect(contents(repo.migrations.dir)).toEqual(before);
    expect(readFileSync(own, "utf8")).toBe(edited);
  });

  it("does not take a file the merge itself deleted for an uncommitted edit", async () => {
    const repo = repository();
    writeFileSync(join(repo.migrations.dir, "NOTES.md"), "notes on the history\n");
    repo.commit("notes");
    await branchesThatEachGenerate(repo, branchA, branchB);
    repo.git("checkout", "-q", "main");
    repo.git("rm", "-q", join(repo.migrations.dir, "NOTES.md"));
    repo.commit("main: notes removed");
    repo.git("checkout", "-q", "feature");
    expect(repo.tryGit("merge", "--no-edit", "main").output).toContain("CONFLICT");
    const run = await rebase(repo);
    expect(run.code, run.stderr).toBe(0);
  });

  it("refuses, naming the objects, when both sides touch the same table, and changes nothing", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, sharedA, sharedB);
    mergeKeepingBoth(repo, "main");
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("touch the same objects, so their order matters");
    expect(run.stderr).toContain(`${tagA}: table "shared_table" — main's ${tagB}: table "shared_table"`);
    expect(run.stderr).toContain("nothing was changed");
    expect(contents(repo.migrations.dir)).toEqual(before);
    const json = await rebase(repo, "--onto", "main", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: {
        code: "rebase-conflict",
        conflicts: expect.arrayContaining([
          {
            ours: { tag: tagA, object: 'table "shared_table"' },
            theirs: { tag: tagB, object: 'table "shared_table"' },
          },
        ]),
      },
    });
  });

  it("refuses what must not move: an unmerged base, an edited base migration, one already on the deployed branch", async () => {
    const repo = repository();
    const { tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    const unmerged = await rebase(repo, "--onto", "main");
    expect(unmerged.code).toBe(1);
    expect(unmerged.stderr).toContain(`main has migrations this branch has not merged (${tagB})`);
    expect(unmerged.stderr).toContain("fix: merge main first");

    mergeKeepingBoth(repo, "main");
    repo.migrations.write(tagB, `${repo.migrations.read(tagB)}\n-- edited\n`);
    const before = contents(repo.migrations.dir);
    const edited = await rebase(repo, "--onto", "main");
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(
      `${tagB} exists at main with other SQL: a migration of the base is never rewritten`,
    );
    expect(contents(repo.migrations.dir)).toEqual(before);
    repo.git("checkout", "-q", "--", ".");

    // No --onto, no merge in progress and no origin: a base is missing, invalid input like an unknown --onto.
    const noBase = await rebase(repo);
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain("no merge is in progress and the repository has no origin/HEAD");
    expect(noBase.stderr).toContain("fix: name the base: db:rebase --onto <branch>");

    // main is pushed (deployed); merging the feature into main makes main's migration "ours".
    const origin = mkdtempSync(join(tmpdir(), "trovella-origin-"));
    try {
      execFileSync("git", ["init", "-q", "--bare", origin]);
      repo.git("checkout", "-q", "main");
      repo.git("remote", "add", "origin", origin);
      repo.git("push", "-q", "origin", "main");
      repo.git("fetch", "-q", "origin");
      expect(repo.tryGit("merge", "--no-edit", "feature~1").status).not.toBe(0);
      const deployed = contents(repo.migrations.dir);
      const refused = await rebase(repo);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${tagB} is on origin/main already, which may be applied`);
      expect(contents(repo.migrations.dir)).toEqual(deployed);
    } finally {
      rmSync(origin, { recursive: true, force: true });
    }

    const unknown = await rebase(repo, "--onto", "no-such-branch");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--onto no-such-branch: git knows no commit by that name");
    const outside = mkdtempSync(join(tmpdir(), "trovella-nogit-"));
    try {
      const run = await runCommand("rebase", ["--migrations", outside, "--onto", "main"], {});
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("is not in a git work tree");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses when the merge kept main's snapshot for both and git has none of the branch's own", async () => {
    const repo = repository();
    const last = repo.migrations.entries().at(-1)!;
    repo.git("checkout", "-q", "-b", "feature");
    const tagA = await generateInto(repo.migrations, "branch_a", branchA, last.when + 1000);
    writeFileSync(join(repo.migrations.dir, "meta", `${prefix(tagA)}_snapshot.json`), "<<<<<<< a conflict committed\n");
    repo.commit("feature: generate (its snapshot broken)");
    repo.git("checkout", "-q", "main");
    const tagB = await generateInto(repo.migrations, "branch_b", branchB, last.when + 2000);
    repo.commit("main: generate");
    repo.git("checkout", "-q", "feature");
    mergeKeepingBoth(repo, "main");
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `${tagA} shares meta/${prefix(tagA)}_snapshot.json with ${tagB} (the merge kept one of them)`,
    );
    expect(contents(repo.migrations.dir)).toEqual(before);
  });

  /** `feature` and then `main` each run `drizzle-kit generate --name add_table`, on different tables: one tag, two migrations. */
  async function sameNameOnEachSide(repo: GitRepository) {
    const last = repo.migrations.entries().at(-1)!;
    repo.git("checkout", "-q", "-b", "feature");
    const tag = await generateInto(repo.migrations, "add_table", branchA, last.when + 1000);
    const ours = repo.migrations.read(tag);
    repo.commit("feature: generate --name add_table");
    repo.git("checkout", "-q", "main");
    expect(await generateInto(repo.migrations, "add_table", branchB, last.when + 2000)).toBe(tag);
    const theirs = repo.migrations.read(tag);
    repo.commit("main: generate --name add_table");
    repo.git("checkout", "-q", "feature");
    return { tag, ours, theirs };
  }

  it("moves the branch's migration that shares its tag with another of main's (both generated --name add_table), never losing either", async () => {
    const repo = repository();
    const { tag, ours, theirs } = await sameNameOnEachSide(repo);
    expect(ours).toContain('CREATE TABLE "branch_a_note"');
    expect(theirs).toContain('CREATE TABLE "branch_b_tag"');
    expect(repo.tryGit("merge", "--no-edit", "main").status).not.toBe(0); // both added the file: a conflict

    const run = await rebase(repo);
    expect(run.code, run.stderr).toBe(0);
    const moved = movedAfter(tag, tag);
    expect(run.stdout).toContain(`${tag}: MERGE_HEAD has another migration of that name; the branch's own`);
    expect(run.stdout).toContain(`Moved ${tag} -> ${moved} (when `);
    repo.commit("merge main");
    const rebased = readMigrationFolder(repo.migrations.dir);
    expect(rebased.migrations.slice(-2).map((m) => [m.tag, m.sql])).toEqual([
      [tag, theirs],
      [moved, ours],
    ]);
    expect(rebased.warnings).toEqual([]);
    expect(
      repo.git("diff", "main", "--", `db/migrations/${tag}.sql`, `db/migrations/meta/${prefix(tag)}_snapshot.json`),
    ).toBe("");
    expect(await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA, ...branchB })).toEqual([]);
  });

  it("finds the branch's same-named migration in git when the merge kept only main's file", async () => {
    const repo = repository();
    const { tag, ours, theirs } = await sameNameOnEachSide(repo);
    mergeKeepingBoth(repo, "main"); // main's side of every conflicting file: the branch's migration is gone from the folder
    expect(repo.migrations.read(tag)).toBe(theirs);

    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const rebased = readMigrationFolder(repo.migrations.dir);
    expect(rebased.migrations.slice(-2).map((m) => [m.tag, m.sql])).toEqual([
      [tag, theirs],
      [movedAfter(tag, tag), ours],
    ]);
    expect(await pendingStatements(lastSnapshot(repo.migrations.dir), { ...branchA, ...branchB })).toEqual([]);
  });

  it("compares the base's migrations as git does: a CRLF checkout (core.autocrlf=true, Windows' default) is no edit", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    mergeKeepingBoth(repo, "main");
    // Check the merge out again as Windows does: CRLF in the working tree, LF in git, git status clean.
    repo.git("config", "core.autocrlf", "true");
    rmSync(repo.migrations.dir, { recursive: true });
    repo.git("checkout", "--", ".");
    expect(readFileSync(join(repo.migrations.dir, `${tagB}.sql`), "utf8")).toContain("\r\n");
    expect(repo.git("status", "--porcelain")).toBe("");

    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Moved ${tagA} -> ${movedAfter(tagA, tagB)} (when `);
    // Only the journal and the moved migration are written: the base's files stay as git checked them out.
    expect(run.stdout).toContain("Wrote as at main: meta/_journal.json\n");
    expect(repo.git("status", "--porcelain", "--", `db/migrations/${tagB}.sql`)).toBe("");

    // Without the conversion, a CRLF copy is an edit to git: refused, and the message says it is only line endings.
    repo.git("config", "core.autocrlf", "false");
    rmSync(repo.migrations.dir, { recursive: true });
    repo.git("checkout", "--", ".");
    repo.migrations.write(tagB, repo.migrations.read(tagB).replaceAll("\n", "\r\n"));
    const before = contents(repo.migrations.dir);
    const crlf = await rebase(repo, "--onto", "main");
    expect(crlf.code).toBe(1);
    expect(crlf.stderr).toContain(`${tagB} differs from main's only in line endings (CRLF against LF)`);
    expect(crlf.stderr).toContain(`fix: give it main's line endings (git checkout main -- <file>`);
    expect(contents(repo.migrations.dir)).toEqual(before);
  });

  it("with --dry-run says what would move and writes nothing", async () => {
    const repo = repository();
    const { tagA, tagB } = await branchesThatEachGenerate(repo, branchA, branchB);
    mergeKeepingBoth(repo, "main");
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo, "--onto", "main", "--dry-run");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Would move ${tagA} -> ${movedAfter(tagA, tagB)}`);
    expect(contents(repo.migrations.dir)).toEqual(before);
  });
});

describe("db:rebase in Drizzle Kit 1.0's layout (a folder per migration)", () => {
  /** A hand-written 1.0 migration: its SQL and a snapshot with the parent's schema (as `generate --custom` writes). */
  function addFolder(repo: GitRepository, parent: string, name: string, when: number, sql: string): string {
    const dir = repo.migrations.dir;
    const folder = folderNameOf(`x_${name}`, when);
    const snapshot = JSON.parse(readFileSync(join(dir, parent, "snapshot.json"), "utf8")) as Record<string, unknown>;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, "migration.sql"), sql);
    const { prevId: _prevId, ...rest } = snapshot;
    writeFileSync(
      join(dir, folder, "snapshot.json"),
      JSON.stringify({ ...rest, id: crypto.randomUUID(), prevIds: [snapshot["id"]] }, null, 2),
    );
    return folder;
  }

  async function divergedFolders(repo: GitRepository, ours: string, theirs: string) {
    const names = toFoldersLayout(repo);
    const last = names.at(-1)!;
    const lastWhen = readMigrationFolder(repo.migrations.dir).migrations.at(-1)!.when;
    repo.git("checkout", "-q", "-b", "feature");
    const a = addFolder(repo, last, "branch_a", lastWhen + 60_000, ours);
    repo.commit("feature");
    repo.git("checkout", "-q", "main");
    const b = addFolder(repo, last, "branch_b", lastWhen + 120_000, theirs);
    repo.commit("main");
    repo.git("checkout", "-q", "feature");
    expect(repo.tryGit("merge", "--no-edit", "main").status).toBe(0); // no journal, no conflict
    return { a, b };
  }

  it("renames the branch's folder after main's last and chains its snapshot.json (prevIds)", async () => {
    const repo = repository();
    const { a, b } = await divergedFolders(
      repo,
      'CREATE TABLE "branch_a" ("id" integer);',
      'CREATE TABLE "branch_b" ("id" integer);',
    );
    expect(
      readMigrationFolder(repo.migrations.dir)
        .migrations.slice(-2)
        .map((m) => m.name),
    ).toEqual([a, b]);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const rebased = readMigrationFolder(repo.migrations.dir);
    const [second, last] = rebased.migrations.slice(-2);
    expect(second!.name).toBe(b);
    expect(last!.name).toMatch(/^\d{14}_branch_a$/);
    expect(last!.name > b).toBe(true);
    expect(last!.snapshot!.prevIds).toEqual([second!.snapshot!.id]);
    expect(last!.sql).toBe('CREATE TABLE "branch_a" ("id" integer);');
    expect(readdirSync(repo.migrations.dir)).not.toContain(a);
    expect(run.stdout).toContain(`Moved ${a} -> ${last!.name}`);
  });

  it("renames a migration's folder with its db:revert's, whose header then names the new folder", async () => {
    const repo = repository();
    const { a, b } = await divergedFolders(
      repo,
      'CREATE TABLE "branch_a" ("id" integer);',
      'CREATE TABLE "branch_b" ("id" integer);',
    );
    const header = (tag: string) => `-- db:revert: reverses ${tag}, returning the schema to its state before it.`;
    const when = readMigrationFolder(repo.migrations.dir).migrations.find((m) => m.name === a)!.when;
    addFolder(repo, a, "undo_a", when + 1000, `${header(a)}\r\nDROP TABLE "branch_a";\r\n`);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    const [second, movedA, movedRevert] = readMigrationFolder(repo.migrations.dir).migrations.slice(-3);
    expect(second!.name).toBe(b);
    expect(movedA!.name).toMatch(/^\d{14}_branch_a$/);
    expect(movedA!.name > b).toBe(true);
    expect(movedRevert!.name).toMatch(/^\d{14}_undo_a$/);
    expect(movedRevert!.sql).toBe(`${header(movedA!.name)}\r\nDROP TABLE "branch_a";\r\n`);
  });

  it("refuses, naming the table, when both branches' SQL touches it, and changes nothing", async () => {
    const repo = repository();
    const { a, b } = await divergedFolders(
      repo,
      'ALTER TABLE "ai_model" ADD COLUMN "note" text;',
      'ALTER TABLE "ai_model" DROP COLUMN "note";',
    );
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${a}: column "ai_model"."note" — main's ${b}: column "ai_model"."note"`);
    expect(contents(repo.migrations.dir)).toEqual(before);
  });

  it("checks a migration without snapshot against only the base's migrations the branch had not merged (found with git)", async () => {
    const repo = repository();
    const { a, b } = await divergedFolders(
      repo,
      'ALTER TABLE "ai_model" ADD COLUMN "note" text;',
      'CREATE TABLE "branch_b" ("id" integer);',
    );
    // Hand-written, no snapshot: nothing tells which of main's migrations it saw but git.
    rmSync(join(repo.migrations.dir, a, "snapshot.json"));
    repo.commit("no snapshot");
    const run = await rebase(repo, "--onto", "main");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Checked against main's ${b}: no object in common.`);
    const last = readMigrationFolder(repo.migrations.dir).migrations.at(-1)!;
    expect(last.name).toMatch(/_branch_a$/);
    expect(last.name > b).toBe(true);
    expect(run.stdout).toContain(`Moved ${a} -> ${last.name}`);
    expect(run.stdout).toContain("no snapshot)");
  });

  it("refuses to regenerate a snapshot whose change it cannot read (edited by hand: a key no Drizzle Kit writes), and changes nothing", async () => {
    const repo = repository();
    const { a } = await divergedFolders(
      repo,
      'CREATE TABLE "branch_a" ("id" integer);',
      'CREATE TABLE "branch_b" ("id" integer);',
    );
    const path = join(repo.migrations.dir, a, "snapshot.json");
    const own = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const parent = (own["prevIds"] as string[])[0];
    const parentSnapshot = readdirSync(repo.migrations.dir)
      .map((name) => join(repo.migrations.dir, name, "snapshot.json"))
      .map((file) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>)
      .find((snapshot) => snapshot["id"] === parent);
    if (!parentSnapshot) throw new Error("the fixture's parent snapshot is missing");
    writeFileSync(
      path,
      JSON.stringify({ ...parentSnapshot, id: own["id"], prevIds: own["prevIds"], handEdited: { note: "x" } }, null, 2),
    );
    repo.commit("a hand-edited snapshot");
    const before = contents(repo.migrations.dir);
    const run = await rebase(repo, "--onto", "main");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot regenerate the snapshot of ${a}`);
    expect(contents(repo.migrations.dir)).toEqual(before);
  });
});
