/**
 * Reading a project's git history: the toolkit asks git (the `git` program) what a file was at
 * each commit, for checks that need the history (was this migration edited after it was
 * committed?). Nothing here writes to the repository.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs git in `cwd`; undefined when git is missing or the command fails (e.g. not a repository). */
export async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

/** The repository a path is in, or undefined. */
export async function repositoryRoot(path: string): Promise<string | undefined> {
  return (await git(dirname(path), ["rev-parse", "--show-toplevel"]))?.trim() || undefined;
}

/** One committed version of a file. */
export interface FileVersion {
  commit: string;
  /** The path in that commit (relative to the repository root; it may have been renamed since). */
  path: string;
  text: string;
}

/**
 * Every committed version of a file, newest first, following renames; undefined when the file is
 * not in a git repository (or git is missing), an empty list when it never was committed.
 */
export async function fileVersions(file: string): Promise<FileVersion[] | undefined> {
  const root = await repositoryRoot(file);
  if (!root) return undefined;
  const log = await git(root, ["log", "--follow", "--format=%x1e%H", "--name-only", "--", relative(root, file)]);
  if (log === undefined) return undefined;
  const versions: FileVersion[] = [];
  for (const record of log.split("\x1e")) {
    const [commit, path] = record.split("\n").filter((line) => line.trim() !== "");
    if (!commit || !path) continue;
    const text = await git(root, ["show", `${commit}:${path}`]);
    if (text !== undefined) versions.push({ commit, path, text });
  }
  return versions;
}

/** The unified diff from `oldText` to the file as it is now (empty when they are equal). */
export async function diffAgainst(oldText: string, file: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "migrator-diff-"));
  const old = join(dir, basename(file));
  writeFileSync(old, oldText);
  try {
    const { stdout } = await run("git", ["diff", "--no-index", "--no-color", "--", old, file]);
    return stdout;
  } catch (error) {
    // `git diff --no-index` exits 1 when the files differ: that is the answer, not a failure.
    const e = error as { code?: number; stdout?: string };
    if (e.code === 1 && typeof e.stdout === "string") return e.stdout;
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
