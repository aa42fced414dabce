/**
 * A real git repository for a test, in a temporary folder, holding a scratch copy of Trovella's
 * migrations under `db/migrations` (a folder below the root, as in this repository): branches,
 * commits and merges are git's own, so history checks are tested on what a team really has.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScratchMigrations, scratchMigrations } from "./scratch-migrations.ts";

/** A temporary repository with the history committed on `main`. */
export interface GitRepository {
  root: string;
  /** The migrations folder (`<root>/db/migrations`), to add fixture migrations to. */
  migrations: ScratchMigrations;
  /** Runs git in the repository; returns its output (throws on a non-zero exit, with git's message). */
  git(...args: string[]): string;
  /** `git add -A` + `git commit`; returns the new commit. */
  commit(message: string): string;
  /** Like `git`, but returns the exit status and output instead of throwing (for merges that conflict). */
  tryGit(...args: string[]): { status: number; output: string };
  remove(): void;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/**
 * A repository whose `main` holds Trovella's migrations, cut after migration `upTo` if given. The
 * scratch copy's helpers (`add`, `write`, `entries`) work on the repository's folder.
 */
export function gitRepository(upTo?: number): GitRepository {
  const root = mkdtempSync(join(tmpdir(), "trovella-repo-"));
  const migrations = scratchMigrations(upTo, { into: join(root, "db", "migrations") });
  const run = (args: string[]) =>
    execFileSync("git", args, { cwd: root, env: { ...process.env, ...GIT_ENV }, encoding: "utf8", stdio: "pipe" });
  const git = (...args: string[]) => run(args);
  const commit = (message: string) => {
    run(["add", "-A"]);
    run(["commit", "-q", "--allow-empty", "-m", message]);
    return run(["rev-parse", "HEAD"]).trim();
  };
  const tryGit = (...args: string[]) => {
    try {
      return { status: 0, output: run(args) };
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  };
  run(["init", "-q", "--initial-branch=main"]);
  commit("history");
  return { root, migrations, git, commit, tryGit, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * `git merge <branch>` into the current branch, with the migrations folder's conflicts resolved
 * the way a person does it by hand when both sides appended a migration: the merged branch's
 * journal with this branch's new entries after it, and the merged branch's side of every other
 * conflicting file (the snapshot both numbered the same). Commits the merge.
 */
export function mergeKeepingBoth(repo: GitRepository, branch: string): void {
  const merge = repo.tryGit("merge", "--no-edit", branch);
  if (merge.status === 0) return;
  const journal = "db/migrations/meta/_journal.json";
  type Entries = { entries: { tag: string }[] } & Record<string, unknown>;
  const side = (stage: 2 | 3) => JSON.parse(repo.git("show", `:${stage}:${journal}`)) as Entries;
  const conflicted = repo.git("diff", "--name-only", "--diff-filter=U").split("\n").filter(Boolean);
  for (const path of conflicted) {
    if (path === journal) {
      const ours = side(2);
      const theirs = side(3);
      const tags = new Set(theirs.entries.map((e) => e.tag));
      theirs.entries.push(...ours.entries.filter((e) => !tags.has(e.tag)));
      writeFileSync(join(repo.root, path), JSON.stringify(theirs, null, 2));
    } else repo.git("checkout", "--theirs", "--", path);
  }
  repo.commit(`merge ${branch}, both migrations kept`);
}

/** Drizzle Kit 1.0's folder name of a 0.x entry: the UTC time of its `when`, to the second, then its name. */
export function folderNameOf(tag: string, when: number): string {
  return `${new Date(when).toISOString().replace(/\D/g, "").slice(0, 14)}_${tag.split("_").slice(1).join("_")}`;
}

/**
 * Turns the repository's 0.x folder into Drizzle Kit 1.0's layout as `drizzle-kit up` lays it out
 * (`<time>_<name>/migration.sql` and `snapshot.json`, no journal) and commits it; returns the
 * folder names in order.
 */
export function toFoldersLayout(repo: GitRepository): string[] {
  const dir = repo.migrations.dir;
  const names = repo.migrations.entries().map((entry) => {
    const name = folderNameOf(entry.tag, entry.when);
    mkdirSync(join(dir, name));
    renameSync(join(dir, `${entry.tag}.sql`), join(dir, name, "migration.sql"));
    renameSync(join(dir, "meta", `${entry.tag.split("_")[0]}_snapshot.json`), join(dir, name, "snapshot.json"));
    return name;
  });
  rmSync(join(dir, "meta"), { recursive: true });
  repo.commit("drizzle-kit up");
  return names;
}
