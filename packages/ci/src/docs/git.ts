import { spawnSync } from "node:child_process";

/** A git command that failed: which command, in which folder, and what git said. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly cwd: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed in ${cwd}: ${stderr.trim()}`);
    this.name = "GitError";
  }
}

/** Runs git in `cwd` and returns its standard output, trimmed; throws `GitError` on a non-zero exit. */
export function git(cwd: string, args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new GitError(args, cwd, result.stderr || result.error?.message || "");
  return result.stdout.trim();
}

/** True when `ref` names a commit in the repository at `cwd`. */
export function commitExists(cwd: string, ref: string): boolean {
  return spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd }).status === 0;
}
