/**
 * A migrations folder as it is at a git commit (the base branch, the commit before a push, the
 * tip of the branch during a merge): its files are read from git into a temporary folder and
 * read there by the one folder reader, so a migration at a commit is the same `Migration` as one
 * on disk.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import { commitOf, filesAt, repositoryRoot } from "../git/git.ts";
import { type MigrationFolder, readMigrationFolder } from "../journal/migration-folder.ts";

/** A failure to find what a history check compares with: no repository, an unknown ref. */
export class GitHistoryError extends MigratorError {
  override name = "GitHistoryError";
  constructor(
    code: "not-in-git" | "base-unknown" | "base-folder-invalid",
    message: string,
    fix: string,
    readonly ref?: string,
  ) {
    super(code, message, fix);
  }

  protected override details(): Record<string, unknown> {
    return this.ref === undefined ? {} : { ref: this.ref };
  }
}

/** The repository a migrations folder lives in. */
export interface FolderRepository {
  /** The repository's root. */
  root: string;
  /** The migrations folder, absolute. */
  folder: string;
  /** The folder relative to the root, with `/` separators (how git names it). */
  path: string;
}

/** A path inside the migrations folder (`/` separators) as git names it: relative to the repository's root. */
export function repositoryPath(repository: FolderRepository, pathInFolder: string): string {
  return [repository.path, pathInFolder].filter(Boolean).join("/");
}

/** The repository of a migrations folder; refuses (`not-in-git`, exit 2) a folder outside one. */
export async function folderRepository(folder: string, purpose: string): Promise<FolderRepository> {
  const absolute = resolve(folder);
  const root = await repositoryRoot(join(absolute, "_"));
  if (!root) {
    throw new GitHistoryError(
      "not-in-git",
      `${purpose} needs git's history, but ${absolute} is not in a git work tree (or git is not installed)`,
      "run it in the repository that holds the migrations folder",
    );
  }
  return { root, folder: absolute, path: relative(root, absolute).split(sep).join("/") };
}

/** The commit of a ref; refuses (`base-unknown`, exit 2) a ref git does not know. */
export async function resolveRef(repository: FolderRepository, ref: string, option: string): Promise<string> {
  const commit = await commitOf(repository.root, ref);
  if (!commit) {
    throw new GitHistoryError(
      "base-unknown",
      `${option} ${ref}: git knows no commit by that name in ${repository.root}`,
      "fetch it first (git fetch origin), or name a branch, tag or commit that exists (git log --oneline)",
      ref,
    );
  }
  return commit;
}

/** The migrations folder at a commit, read by the folder reader from a temporary copy. */
export interface FolderAtCommit {
  ref: string;
  commit: string;
  /** Undefined when the commit has no migrations folder (no migration yet). */
  folder: MigrationFolder | undefined;
  /** Every file of the folder at the commit, by path relative to the folder. */
  files: Map<string, Buffer>;
  /** Git's blob id of each of those files, by the same path. */
  blobs: Map<string, string>;
  /** How messages name a file of it: `origin/main:packages/db/src/migrations/0011_x.sql`. */
  display(path: string): string;
  /** Removes the temporary copy. */
  remove(): void;
}

/**
 * The migrations folder at `commit`. A folder the reader refuses there is refused here too
 * (`base-folder-invalid`, exit 2), with the reader's list of problems.
 */
export async function readFolderAt(repository: FolderRepository, ref: string, commit: string): Promise<FolderAtCommit> {
  const committed = await filesAt(repository.root, commit, repository.path);
  const files = new Map([...committed].map(([path, file]) => [path, file.content]));
  const blobs = new Map([...committed].map(([path, file]) => [path, file.blob]));
  const temp = mkdtempSync(join(tmpdir(), "migrator-at-"));
  const copy = join(temp, "migrations");
  mkdirSync(copy);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    writeFileSync(join(copy, path), content);
  }
  const remove = () => rmSync(temp, { recursive: true, force: true });
  const display = (path: string) => `${ref}:${repositoryPath(repository, path)}`;
  let folder: MigrationFolder | undefined;
  try {
    folder = files.size === 0 ? undefined : readMigrationFolder(copy);
  } catch (error) {
    remove();
    if (!(error instanceof MigratorError)) throw error;
    throw new GitHistoryError(
      "base-folder-invalid",
      `the migrations folder at ${ref} cannot be read: ${error.message.split(copy).join(display("").replace(/\/$/, ""))}`,
      `compare with a commit whose migrations folder is valid, or repair it on ${ref} first`,
      ref,
    );
  }
  return { ref, commit, folder, files, blobs, display, remove };
}

/** A path inside a folder read by {@link readFolderAt} (or on disk), relative to the folder, with `/`. */
export function pathInFolder(folder: MigrationFolder, file: string): string {
  return relative(folder.folder, file).split(sep).join("/");
}
