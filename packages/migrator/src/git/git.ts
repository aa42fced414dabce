/**
 * Reading a project's git history: the toolkit asks git (the `git` program) what a file was at
 * each commit, for checks that need the history (was this migration edited after it was
 * committed? what is the migrations folder at the base branch?). Nothing here writes to the
 * repository.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

/** The commit a ref names (a branch, tag, `origin/main`, `HEAD~1`, a hash), or undefined. */
export async function commitOf(root: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith("-")) return undefined;
  return (await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]))?.trim() || undefined;
}

/** The best common ancestor of two commits, or undefined (unrelated histories). */
export async function mergeBase(root: string, a: string, b: string): Promise<string | undefined> {
  return (await git(root, ["merge-base", a, b]))?.trim() || undefined;
}

/** The commit being merged while a `git merge` waits for its conflicts to be resolved, or undefined. */
export async function mergeHead(root: string): Promise<string | undefined> {
  return commitOf(root, "MERGE_HEAD");
}

/**
 * The remote's default branch, the one work is merged into: `origin/HEAD` as `git clone` sets it,
 * else `origin/main`, else `origin/master`; undefined when there is none.
 */
export async function defaultBranch(root: string): Promise<string | undefined> {
  const head = (await git(root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]))?.trim();
  for (const candidate of [head, "origin/main", "origin/master"]) {
    if (candidate && (await commitOf(root, candidate))) return candidate;
  }
  return undefined;
}

/** The commit on HEAD's history that added a file (path relative to the root), or undefined. */
export async function commitAdding(root: string, path: string): Promise<string | undefined> {
  const log = await git(root, ["log", "--diff-filter=A", "--format=%H", "HEAD", "--", path]);
  return log?.trim().split("\n").at(-1) || undefined;
}

/**
 * The files under `folder` (relative to the root) that commits on `tip` and not on `base` added,
 * each with the newest such commit (merges left out) that touched it: where `tip`'s side of the
 * history has its own version of a file, whatever a merge later kept. Paths relative to the root.
 */
export async function addedOnlyOn(
  root: string,
  tip: string,
  base: string,
  folder: string,
): Promise<Map<string, string>> {
  const log = (filter: string[]) =>
    git(root, [
      "log",
      "--no-merges",
      ...filter,
      "--format=%x1e%H",
      "--name-only",
      tip,
      `^${base}`,
      "--",
      folder || ".",
    ]);
  const records = (text: string | undefined) =>
    (text ?? "").split("\x1e").map((record) => record.split("\n").filter((line) => line.trim() !== ""));
  const added = new Set(records(await log(["--diff-filter=A"])).flatMap(([, ...paths]) => paths));
  const newest = new Map<string, string>();
  for (const [commit, ...paths] of records(await log([]))) {
    for (const path of paths) if (commit && added.has(path) && !newest.has(path)) newest.set(path, commit);
  }
  return newest;
}

/** Whether commit `a` is `b` or one of its ancestors. */
export async function isAncestor(root: string, a: string, b: string): Promise<boolean> {
  return (await git(root, ["merge-base", "--is-ancestor", a, b])) !== undefined;
}

/**
 * Git's blob id of a working-tree file (path relative to the root) as `git add` would store it:
 * its line endings converted as `core.autocrlf` and `.gitattributes` say. Undefined when git cannot read it.
 */
export async function workingTreeBlob(root: string, path: string): Promise<string | undefined> {
  return (await git(root, ["hash-object", `--path=${path}`, "--", path]))?.trim() || undefined;
}

/** Git's blob id of a file at a commit (path relative to the root), or undefined when it is not there. */
export async function committedBlob(root: string, commit: string, path: string): Promise<string | undefined> {
  return (await git(root, ["rev-parse", "--verify", "--quiet", `${commit}:${path}`]))?.trim() || undefined;
}

/** The text of a file at a commit (path relative to the root), or undefined when it is not there. */
export async function fileAt(root: string, commit: string, path: string): Promise<string | undefined> {
  return git(root, ["show", `${commit}:${path}`]);
}

/**
 * Git's blob ids of working-tree files (paths relative to the root) as `git add` would store them
 * (see {@link workingTreeBlob}): by path, without the files git cannot read. One `git hash-object
 * --stdin-paths` hashes them all; since a file it cannot hash (a folder, an unreadable file) fails
 * the whole batch, then each is hashed alone, as is a name the batch would read otherwise (a line
 * break, a carriage return, a leading quote).
 */
export async function workingTreeBlobs(root: string, paths: readonly string[]): Promise<Map<string, string>> {
  const present = paths.filter((path) => existsSync(join(root, path)));
  const plain = new Set(present.filter((path) => !/[\n\r]/.test(path) && !path.startsWith('"')));
  const ids = new Map<string, string>();
  const batch = plain.size > 0 ? await hashPaths(root, [...plain]) : undefined;
  if (batch) for (const [i, path] of [...plain].entries()) if (batch[i]) ids.set(path, batch[i]);
  for (const path of present.filter((p) => !batch || !plain.has(p))) {
    const id = await workingTreeBlob(root, path);
    if (id) ids.set(path, id);
  }
  return ids;
}

/**
 * Which of `paths` (relative to `root`) the working tree changed or removed against the index:
 * what `git diff` shows, unstaged edits (a merge stages its own changes, so they are not among
 * them). Undefined when git fails.
 */
export async function unstagedPaths(root: string, paths: readonly string[]): Promise<Set<string> | undefined> {
  if (paths.length === 0) return new Set();
  const out = await git(root, ["diff", "--name-only", "-z", "--no-renames", "--", ...paths]);
  return out === undefined ? undefined : new Set(out.split("\0").filter((path) => path !== ""));
}

/**
 * Whether the working-tree file differs from HEAD's, as `git diff HEAD` sees it (through the
 * index, so line-ending settings and a blob committed with CRLF compare as git compares them);
 * undefined when git cannot answer.
 */
export async function differsFromHead(root: string, path: string): Promise<boolean | undefined> {
  const out = await git(root, ["diff", "--name-only", "-z", "--no-renames", "HEAD", "--", path]);
  return out === undefined ? undefined : out.split("\0").some((name) => name !== "");
}

/** One `git hash-object --stdin-paths` over `paths`: their ids in order, or undefined when git fails on any. */
function hashPaths(root: string, paths: readonly string[]): Promise<string[] | undefined> {
  return new Promise((resolvePromise) => {
    const child = spawn("git", ["hash-object", "--stdin-paths"], { cwd: root, stdio: ["pipe", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.on("error", () => resolvePromise(undefined));
    child.on("close", (code) => resolvePromise(code === 0 ? stdout.split("\n").slice(0, paths.length) : undefined));
    child.stdin.on("error", () => undefined); // git gone early: its exit code says so
    child.stdin.end(`${paths.join("\n")}\n`);
  });
}

/** A file at a commit: its git blob id and its bytes. */
export interface CommittedFile {
  blob: string;
  content: Buffer;
}

/**
 * Every file under `folder` (relative to the repository root) at `commit`, by path relative to
 * `folder`, read in one `git cat-file --batch`. Empty when the folder is not in that commit.
 */
export async function filesAt(root: string, commit: string, folder: string): Promise<Map<string, CommittedFile>> {
  const prefix = folder === "" ? "" : `${folder.replace(/\/+$/, "")}/`;
  const listing = await git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix || "."]);
  const blobs = (listing ?? "")
    .split("\0")
    .filter(Boolean)
    .flatMap((line) => {
      // The path is everything after the first tab: a file name may hold a tab too.
      const tab = line.indexOf("\t");
      const [meta, path] = [line.slice(0, tab), line.slice(tab + 1)];
      const [, type, sha] = (meta ?? "").split(" ");
      return type === "blob" && sha && path?.startsWith(prefix) ? [{ sha, path: path.slice(prefix.length) }] : [];
    });
  const contents = await catFiles(
    root,
    blobs.map((b) => b.sha),
  );
  return new Map(blobs.map((b, i) => [b.path, { blob: b.sha, content: contents[i] ?? Buffer.alloc(0) }]));
}

/** The paths of the files under `folder` (relative to the repository root) at `commit`, relative to `folder`. */
export async function pathsAt(root: string, commit: string, folder: string): Promise<Set<string>> {
  const prefix = folder === "" ? "" : `${folder.replace(/\/+$/, "")}/`;
  const listing = await git(root, ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit, "--", prefix || "."]);
  return new Set(
    (listing ?? "")
      .split("\0")
      .filter((path) => path !== "" && path.startsWith(prefix))
      .map((path) => path.slice(prefix.length)),
  );
}

/** The contents of blobs, in order, from one `git cat-file --batch` process. */
function catFiles(root: string, shas: readonly string[]): Promise<Buffer[]> {
  if (shas.length === 0) return Promise.resolve([]);
  return new Promise((resolvePromise, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited with ${code}`));
      const output = Buffer.concat(chunks);
      const found: Buffer[] = [];
      let at = 0;
      for (const _ of shas) {
        const end = output.indexOf(0x0a, at);
        const size = Number(output.subarray(at, end).toString("utf8").split(" ")[2]);
        found.push(output.subarray(end + 1, end + 1 + size));
        at = end + 1 + size + 1;
      }
      resolvePromise(found);
    });
    child.stdin.end(`${shas.join("\n")}\n`);
  });
}
