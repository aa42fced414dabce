import { commitExists, git } from "./git.ts";

/** The base a change is compared with: the ref asked for and the merge-base commit actually used. */
export interface ChangeBase {
  ref: string;
  commit: string;
}

/** A base that was asked for (`--base`, `DOCS_BASE_REF`) does not name a commit. */
export class BaseNotFoundError extends Error {
  constructor(readonly ref: string) {
    super(
      `no base to compare with: ${ref} does not name a commit. Fetch it (git fetch origin main) or pass --base REF.`,
    );
    this.name = "BaseNotFoundError";
  }
}

/**
 * Finds the commit to compare with: the merge-base of HEAD and `requested` when given (an error if
 * it does not exist), else of HEAD and `origin/main`, else of HEAD and `main`. A checkout that has
 * neither (a detached clone of one commit) is compared with HEAD, so only uncommitted and
 * untracked files count; the ref is then `HEAD`, and the command says so.
 */
export function resolveBase(repoDir: string, requested?: string): ChangeBase {
  if (requested !== undefined && !commitExists(repoDir, requested)) throw new BaseNotFoundError(requested);
  const ref = requested ?? ["origin/main", "main"].find((candidate) => commitExists(repoDir, candidate)) ?? "HEAD";
  return { ref, commit: git(repoDir, ["merge-base", ref, "HEAD"]) };
}

/**
 * The files changed since `baseCommit`: committed, staged, unstaged and untracked (not ignored),
 * as paths relative to the repository root, so the check works before and after committing.
 */
export function changedFiles(repoDir: string, baseCommit: string): string[] {
  const tracked = git(repoDir, ["diff", "--name-only", "--no-renames", baseCommit, "--"]);
  const untracked = git(repoDir, ["ls-files", "--others", "--exclude-standard"]);
  const files = `${tracked}\n${untracked}`.split("\n").filter((line) => line !== "");
  return [...new Set(files)].sort();
}
