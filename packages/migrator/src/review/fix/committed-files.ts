/**
 * Which files of a folder are in git's last commit: `db:review --fix` rewrites only migrations
 * that were never committed, since a committed one may already be applied somewhere.
 */
import { execFileSync } from "node:child_process";
import { MigratorError } from "../../errors/migrator-error.ts";
import { errorMessage } from "../../errors/error-message.ts";

/**
 * The names (relative to `folder`) of the files under it in the commit HEAD points at; empty in a
 * repository without commits. Throws a `MigratorError` (`fix-refused`) when `folder` is not in a
 * git work tree or git cannot run.
 */
export function committedFiles(folder: string): Set<string> {
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", folder, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  try {
    git("rev-parse", "--is-inside-work-tree");
  } catch (error) {
    throw new MigratorError(
      "fix-refused",
      `--fix cannot tell which migrations are committed: ${folder} is not in a git work tree (${firstLine(error)})`,
      "run it on the migrations folder of your repository, where committed migrations are known and never rewritten",
    );
  }
  let hasHead = true;
  try {
    git("rev-parse", "--verify", "--quiet", "HEAD");
  } catch {
    hasHead = false;
  }
  if (!hasHead) return new Set();
  // -z: names as they are (without it git quotes a non-ASCII name, which then matches no file).
  return new Set(git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", ".").split("\0").filter(Boolean));
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === "string" && stderr.trim() ? stderr : errorMessage(error);
  return text.trim().split("\n")[0] ?? "";
}
