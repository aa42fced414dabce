import { commitExists, git } from "./git.ts";

/** The base a change is compared with: the ref asked for and the merge-base commit actually used. */
export interface ChangeBase {
  ref: string;
  commit: string;
}

/** No base could be found: names the refs tried and how to provide one. */
export class BaseNotFoundError extends Error {
  constructor(readonly tried: string[]) {
    super(
      `no base to compare with: ${tried.join(", ")} ${tried.length === 1 ? "does" : "do"} not name a commit. ` +
        "Fetch the base branch (git fetch origin main) or pass --base REF.",
    );
    this.name = "BaseNotFoundError";
  }
}

/**
 * Finds the commit to compare with: the merge-base of HEAD and `requested` when given, else of
 * HEAD and `origin/main`, else of HEAD and `main`.
 */
export function resolveBase(repoDir: string, requested?: string): ChangeBase {
  const candidates = requested ? [requested] : ["origin/main", "main"];
  const ref = candidates.find((candidate) => commitExists(repoDir, candidate));
  if (!ref) throw new BaseNotFoundError(candidates);
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
