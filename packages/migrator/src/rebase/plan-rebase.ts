/**
 * `db:rebase`: after two branches each generated a migration, moves the current branch's new
 * migrations after the base branch's last one (renumbered, a new `when`, snapshots regenerated on
 * top of the base's last snapshot), so every database applies the history in one order and
 * `drizzle-kit generate` diffs against a snapshot that has both sides. Forward-only: only
 * migrations that are on this branch and not at the base move; the base's migrations are written
 * exactly as they are at the base. It refuses, naming the objects, when both sides touch the same
 * ones (their order matters), and changes nothing on any refusal.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MigratorError } from "../errors/migrator-error.ts";
import {
  addedOnlyOn,
  commitAdding,
  committedBlob,
  defaultBranch,
  fileAt,
  isAncestor,
  mergeBase,
  mergeHead,
  pathsAt,
  workingTreeBlob,
  unstagedPaths,
  workingTreeBlobs,
} from "../git/git.ts";
import {
  type FolderAtCommit,
  type FolderRepository,
  folderRepository,
  GitHistoryError,
  pathInFolder,
  readFolderAt,
  repositoryPath,
  resolveRef,
} from "../history/folder-at.ts";
import { drizzleFolderName } from "../journal/drizzle-name.ts";
import { migrationHash } from "../journal/file-hash.ts";
import type { Journal } from "../journal/journal-file.ts";
import { type Migration, type MigrationFolder, readMigrationFolder } from "../journal/migration-folder.ts";
import { nextTag } from "../journal/next-tag.ts";
import { retargetRevertHeader } from "../revert/revert-header.ts";
import { parentIds, type Snapshot, snapshotFileName } from "../snapshot/snapshot.ts";
import { type RebaseConflict, RebaseError } from "./rebase-error.ts";
import { type MigrationTouches, touchReader } from "./rebase-touches.ts";
import { regenerateSnapshots } from "./regenerate-snapshots.ts";

export interface RebaseOptions {
  /** The migrations folder (in a git work tree). */
  folder: string;
  /** The base to move onto; default: the branch being merged (during a merge), else the remote's default branch. */
  onto?: string;
  /** Clock for the new `when`s (tests). */
  now?: () => number;
}

/** One migration the rebase moves. */
export interface MovedMigration {
  from: string;
  to: string;
  when: number;
  snapshot: "regenerated" | "none";
}

/** Everything `db:rebase` will write, computed and checked before anything is. */
export interface RebasePlan {
  folder: string;
  layout: MigrationFolder["layout"];
  onto: { ref: string; commit: string; last?: string };
  /** Where the branch's migrations were read: the folder, or HEAD while a merge waits for its conflicts. */
  source: "working tree" | "HEAD";
  moved: MovedMigration[];
  /**
   * The branch's migrations that share their tag (or 1.0 folder name) with another migration of
   * the base, each generated on its own side: read from the branch's commit, they move like the others.
   */
  sameName: { tag: string; commit: string }[];
  /** The base's migrations the branch's were checked against (those it had not seen). */
  checkedAgainst: string[];
  /** Files written back exactly as they are at the base (relative to the folder). */
  restored: string[];
  /** Statements the commutativity check could not read, to check by hand. */
  warnings: string[];
  /** Set when there is nothing to do, with why. */
  nothingToDo?: string;
  /** The file operations, relative to the folder, in order. */
  operations: FileOperation[];
}

type FileOperation =
  | { kind: "write"; path: string; content: Buffer | string }
  | { kind: "remove"; path: string }
  | { kind: "rename-folder"; from: string; to: string };

/** The key migrations share across the two folders: the tag (0.x) or the folder name (1.0). */
const keyOf = (m: Migration, layout: MigrationFolder["layout"]) => (layout === "journal" ? m.tag : m.name);

/** The name part of a tag or folder name: after the first `_`. */
const namePart = (tag: string) => (tag.includes("_") ? tag.slice(tag.indexOf("_") + 1) : tag);

/** Where the branch's migrations are: the folder, or (a merge with conflicts in the folder) HEAD. */
async function readBranch(
  repository: FolderRepository,
  merging: string | undefined,
): Promise<{ folder: MigrationFolder; source: RebasePlan["source"]; at?: FolderAtCommit }> {
  try {
    return { folder: readMigrationFolder(repository.folder), source: "working tree" };
  } catch (error) {
    if (!merging || !(error instanceof MigratorError) || error.code !== "folder-invalid") throw error;
    const head = await resolveRef(repository, "HEAD", "HEAD");
    const at = await readFolderAt(repository, "HEAD", head);
    if (!at.folder) throw error;
    return { folder: at.folder, source: "HEAD", at };
  }
}

/**
 * During a merge whose conflicts leave the folder unreadable, the branch's migrations are read
 * from HEAD, and the rebase writes HEAD's text: an uncommitted edit of one of the branch's own
 * files (one the base does not have, so the merge left it alone) would be lost. Refuses, naming
 * each such file the working tree changed or removed against the index (`git diff`: what the
 * merge itself changed is staged, so a file it deleted is not taken for an edit). Files the base
 * has too are the merge's to resolve (the journal, a snapshot or SQL file of the same name).
 */
async function refuseUncommittedEdits(
  repository: FolderRepository,
  head: FolderAtCommit,
  base: FolderAtCommit,
): Promise<void> {
  const own = [...head.blobs.keys()].filter((path) => !base.blobs.has(path));
  const paths = own.map((path) => repositoryPath(repository, path));
  // Where git cannot answer, every own file counts as changed: refusing loses nothing.
  const unstaged = (await unstagedPaths(repository.root, paths)) ?? new Set(paths);
  const edited = own.filter((_, i) => unstaged.has(paths[i] ?? ""));
  if (edited.length === 0) return;
  throw new RebaseError(
    "rebase-refused",
    `a merge is in progress and the branch's ${edited.join(", ")} ${edited.length === 1 ? "has" : "have"} uncommitted changes (or ${edited.length === 1 ? "is" : "are"} gone): db:rebase reads the branch's migrations from HEAD during a merge, and writing them would lose the changes`,
    `commit them on the branch (abort the merge first: git merge --abort), or drop them (git checkout HEAD -- <file>), then merge and run db:rebase again`,
  );
}

/** The base to move onto when none is given. */
async function defaultOnto(repository: FolderRepository, merging: string | undefined): Promise<string> {
  if (merging) return "MERGE_HEAD";
  const branch = await defaultBranch(repository.root);
  if (branch) return branch;
  // A missing ref, like an unknown --onto: invalid input (exit 2), not a refusal of the rebase.
  throw new GitHistoryError(
    "base-unknown",
    "db:rebase has no base to rebase onto: no merge is in progress and the repository has no origin/HEAD, origin/main or origin/master",
    "name the base: db:rebase --onto <branch>",
  );
}

/** The SQL file path (relative to the folder) a migration has in its layout. */
function sqlPath(m: Migration, folder: MigrationFolder): string {
  return pathInFolder(folder, m.file);
}

/**
 * Refuses to move a migration that the deployed branch (the remote's default branch) has: it may
 * be applied there. Only migrations that exist on this branch and nowhere it can see deployed move.
 */
async function refuseDeployed(
  repository: FolderRepository,
  ours: Migration[],
  folder: MigrationFolder,
  ontoCommit: string,
  fromGit: ReadonlySet<Migration>,
): Promise<void> {
  const deployed = await defaultBranch(repository.root);
  if (!deployed) return;
  const commit = await resolveRef(repository, deployed, "the default branch");
  if (commit === ontoCommit) return;
  const there = await pathsAt(repository.root, commit, repository.path);
  const found: Migration[] = [];
  for (const m of ours) {
    const path = sqlPath(m, folder);
    if (!there.has(path)) continue;
    // The base's migration of the same name is there; the branch's own only if its SQL is.
    if (!fromGit.has(m) || (await fileAt(repository.root, commit, repositoryPath(repository, path))) === m.sql)
      found.push(m);
  }
  if (found.length > 0) {
    throw new RebaseError(
      "rebase-refused",
      `${found.map((m) => m.tag).join(", ")} ${found.length === 1 ? "is" : "are"} on ${deployed} already, which may be applied: db:rebase never moves a migration that may be applied`,
      `apply it where it is: db:migrate --allow-out-of-order (after its conflict check); or rebase only the branch that has not been merged into ${deployed}`,
      { migrations: found.map((m) => m.tag) },
    );
  }
}

/** A snapshot file's text as a snapshot; undefined when it is not JSON with an id (a conflict left in it). */
function parsedSnapshot(text: string): Snapshot | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Snapshot> | null;
    return typeof parsed?.id === "string" ? (parsed as Snapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** The branch's own version of a migration that shares its tag with another of the base. */
interface SameName {
  migration: Migration;
  /** The newest commit on the branch's side (not on the base) that has it. */
  commit: string;
}

/**
 * The branch's migrations that share their tag (1.0: folder name) with a different migration of
 * the base: both sides ran `drizzle-kit generate --name x` at the same number. Git tells them
 * from an edit of the base's migration: commits on the branch's side only added the file, with
 * other SQL (and, where both have one, another snapshot id: a cherry-picked migration keeps its
 * id, and an edit of it stays an edit). A merge leaves one file of that name in the working tree,
 * so the branch's version is read from its side of the history, never from the folder.
 */
async function sameNameMigrations(
  repository: FolderRepository,
  current: MigrationFolder,
  base: MigrationFolder,
  ontoCommit: string,
): Promise<Map<string, SameName>> {
  const branchSide = await addedOnlyOn(repository.root, "HEAD", ontoCommit, repository.path);
  const found = new Map<string, SameName>();
  for (const b of base.migrations) {
    const key = keyOf(b, base.layout);
    const path = repositoryPath(repository, pathInFolder(base, b.file));
    const commit = branchSide.get(path);
    const m = current.migrations.find((c) => keyOf(c, current.layout) === key);
    if (!commit || !m) continue;
    const sql = await fileAt(repository.root, commit, path);
    if (sql === undefined || sql === b.sql) continue;
    const text = await fileAt(repository.root, commit, repositoryPath(repository, pathInFolder(base, b.snapshotPath)));
    const snapshot = text === undefined ? undefined : parsedSnapshot(text);
    if (snapshot && b.snapshot && snapshot.id === b.snapshot.id) continue;
    found.set(key, { migration: { ...m, sql, hash: migrationHash(sql), snapshot }, commit });
  }
  return found;
}

/**
 * Each of the branch's migrations with its own snapshot. In a 0.x merge both sides may have written
 * the same `meta/NNNN_snapshot.json`; the branch's version is then the one git has from the commit
 * that added the migration.
 */
async function ownSnapshots(
  repository: FolderRepository,
  ours: Migration[],
  branch: MigrationFolder,
  base: MigrationFolder,
  fromGit: ReadonlySet<Migration>,
): Promise<Map<Migration, Snapshot | undefined>> {
  const basePaths = new Set(base.migrations.map((b) => pathInFolder(base, b.snapshotPath)));
  const own = new Map<Migration, Snapshot | undefined>();
  for (const m of ours) {
    const path = pathInFolder(branch, m.snapshotPath);
    if (!basePaths.has(path) || fromGit.has(m)) {
      own.set(m, m.snapshot);
      continue;
    }
    const commit = await commitAdding(repository.root, repositoryPath(repository, sqlPath(m, branch)));
    const text = commit ? await fileAt(repository.root, commit, repositoryPath(repository, path)) : undefined;
    const snapshot = text === undefined ? undefined : parsedSnapshot(text);
    if (!snapshot && m.snapshot) {
      throw new RebaseError(
        "rebase-refused",
        `${m.tag} shares ${path} with ${base.migrations.find((b) => pathInFolder(base, b.snapshotPath) === path)?.tag ?? "a migration of the base"} (the merge kept one of them), and git has no commit of the branch with ${m.tag}'s own`,
        `restore ${m.tag}'s snapshot from the branch's commit that added it, or run db:rebase during the merge (before the conflict is resolved)`,
        { migrations: [m.tag] },
      );
    }
    own.set(m, snapshot);
  }
  return own;
}

/**
 * The base's migrations the branch did not build on: those after the parent of its first
 * migration's snapshot; without one, those not yet at the commit where the branch left the base.
 */
async function unseen(
  repository: FolderRepository,
  base: MigrationFolder,
  first: { migration: Migration; snapshot: Snapshot | undefined; path: string },
  ontoCommit: string,
): Promise<Migration[]> {
  const parent = first.snapshot ? parentIds(first.snapshot)[0] : undefined;
  const position = base.migrations.findIndex((b) => b.snapshot?.id === parent);
  if (position >= 0) return base.migrations.slice(position + 1);
  const added = await commitAdding(repository.root, first.path);
  const fork = await mergeBase(repository.root, ontoCommit, added ?? "HEAD");
  const there = fork ? await pathsAt(repository.root, fork, repository.path) : new Set<string>();
  return base.migrations.filter((b) => !there.has(pathInFolder(base, b.file)));
}

/** Every pair of objects a branch migration and a base migration both touch. */
function conflicts(ours: Map<Migration, MigrationTouches>, theirs: Map<Migration, MigrationTouches>): RebaseConflict[] {
  const found: RebaseConflict[] = [];
  for (const [o, mine] of ours) {
    for (const [t, other] of theirs) {
      for (const { a, b } of mine.common(other))
        found.push({ ours: { tag: o.tag, object: a }, theirs: { tag: t.tag, object: b } });
    }
  }
  return found;
}

/**
 * Works out the rebase without writing anything. Refuses (`RebaseError`) to move anything the base
 * or the deployed branch has, a branch that has not merged the base, an edited base migration,
 * both sides touching the same objects, and snapshots it cannot regenerate faithfully.
 *
 * @example
 * const plan = await planRebase({ folder: "src/migrations", onto: "origin/main" });
 * writeRebase(plan);
 */
export async function planRebase(options: RebaseOptions): Promise<RebasePlan> {
  const repository = await folderRepository(options.folder, "db:rebase");
  const merging = await mergeHead(repository.root);
  const ontoRef = options.onto ?? (await defaultOnto(repository, merging));
  const ontoCommit = await resolveRef(repository, ontoRef, "--onto");
  const at = await readFolderAt(repository, ontoRef, ontoCommit);
  const branch = await readBranch(repository, merging).catch((error: unknown) => {
    at.remove();
    throw error;
  });
  try {
    return await plan(options, repository, at, ontoCommit, branch);
  } finally {
    at.remove();
    branch.at?.remove();
  }
}

async function plan(
  options: RebaseOptions,
  repository: FolderRepository,
  at: FolderAtCommit,
  ontoCommit: string,
  branch: { folder: MigrationFolder; source: RebasePlan["source"]; at?: FolderAtCommit },
): Promise<RebasePlan> {
  const current = branch.folder;
  const base = at.folder;
  if (branch.at) await refuseUncommittedEdits(repository, branch.at, at);
  const onto = {
    ref: at.ref,
    commit: ontoCommit,
    ...(base?.migrations.length ? { last: base.migrations.at(-1)?.tag } : {}),
  };
  const empty = {
    folder: repository.folder,
    layout: current.layout,
    onto,
    source: branch.source,
    moved: [],
    sameName: [],
    checkedAgainst: [],
    restored: [],
    warnings: [],
    operations: [],
  };
  if (!base || base.migrations.length === 0)
    return { ...empty, nothingToDo: `${at.ref} has no migration: nothing to move after` };
  if (base.layout !== current.layout) {
    throw new RebaseError(
      "rebase-refused",
      `${at.ref} is in Drizzle Kit ${base.layout === "journal" ? "0.x's" : "1.0's"} layout and the branch in ${current.layout === "journal" ? "0.x's" : "1.0's"}`,
      "upgrade both to the same layout first (drizzle-kit up), then rebase",
    );
  }
  const layout = base.layout;
  const baseByKey = new Map(base.migrations.map((b) => [keyOf(b, layout), b]));
  /**
   * The working tree's blob ids of the base's files, as `git add` would store them: hashed by one
   * git process when first asked (a CRLF checkout differs from the base in every file's bytes).
   */
  let treeBlobs: Promise<Map<string, string>> | undefined;
  /** Whether a file of the folder is what it is at the base, compared as git compares (line endings converted). */
  const asAtBase = async (path: string) => {
    const base = at.blobs.get(path);
    if (branch.source !== "working tree" || base === undefined) return false;
    treeBlobs ??= workingTreeBlobs(
      repository.root,
      [...at.blobs.keys()].map((file) => repositoryPath(repository, file)),
    );
    return (await treeBlobs).get(repositoryPath(repository, path)) === base;
  };
  const sameName = await sameNameMigrations(repository, current, base, ontoCommit);
  for (const m of current.migrations) {
    const own = sameName.get(keyOf(m, layout));
    if (!own || branch.source === "HEAD" || m.hash === own.migration.hash) continue;
    const path = repositoryPath(repository, sqlPath(m, current));
    const here = await workingTreeBlob(repository.root, path);
    if ((await asAtBase(sqlPath(m, current))) || here === (await committedBlob(repository.root, own.commit, path)))
      continue;
    throw new RebaseError(
      "rebase-refused",
      `${m.tag} is both ${at.ref}'s migration and another of the branch's with the same name, and the working tree's ${sqlPath(m, current)} is neither ${at.ref}'s nor the branch's (commit ${own.commit.slice(0, 12)}): an unresolved conflict or an edit, which db:rebase cannot tell apart`,
      `put the branch's version back (git checkout ${own.commit.slice(0, 12)} -- ${path}), or commit the edit on the branch first; db:rebase then moves it after ${at.ref}'s and writes ${at.ref}'s back`,
      { migrations: [m.tag] },
    );
  }
  const edited: Migration[] = [];
  for (const m of current.migrations) {
    const b = baseByKey.get(keyOf(m, layout));
    if (b && b.hash !== m.hash && !sameName.has(keyOf(m, layout)) && !(await asAtBase(sqlPath(m, current))))
      edited.push(m);
  }
  if (edited.length > 0) {
    const lf = (text: string) => text.replaceAll("\r\n", "\n");
    const eolOnly = edited.every((m) => lf(m.sql) === lf(baseByKey.get(keyOf(m, layout))?.sql ?? ""));
    throw new RebaseError(
      "rebase-refused",
      eolOnly
        ? `${edited.map((m) => m.tag).join(", ")} differ${edited.length === 1 ? "s" : ""} from ${at.ref}'s only in line endings (CRLF against LF), which this checkout does not convert: to git it is an edit, and a migration of the base is never rewritten`
        : `${edited.map((m) => m.tag).join(", ")} exist${edited.length === 1 ? "s" : ""} at ${at.ref} with other SQL: a migration of the base is never rewritten`,
      eolOnly
        ? `give ${edited.length === 1 ? "it" : "them"} ${at.ref}'s line endings (git checkout ${at.ref} -- <file>; an editor that wrote CRLF, or a .gitattributes eol setting, put them there), or let git convert them on checkout (git config core.autocrlf true)`
        : `restore ${edited.length === 1 ? "it" : "them"} from ${at.ref} (git checkout ${at.ref} -- <file>) and make the change in a new migration`,
      { migrations: edited.map((m) => m.tag) },
    );
  }
  // The branch's migrations in order, a same-named one as the branch has it (read from git).
  const branchMigrations = current.migrations.map((m) => sameName.get(keyOf(m, layout))?.migration ?? m);
  const fromGit = new Set([...sameName.values()].map((s) => s.migration));
  const ours = branchMigrations.filter((m) => !baseByKey.has(keyOf(m, layout)) || fromGit.has(m));
  const currentKeys = new Set(current.migrations.map((m) => keyOf(m, layout)));
  const merged =
    sameName.size === 0 ||
    (await mergeHead(repository.root)) === ontoCommit ||
    (await isAncestor(repository.root, ontoCommit, "HEAD"));
  const notMerged = base.migrations.filter(
    (b) => !currentKeys.has(keyOf(b, layout)) || (!merged && sameName.has(keyOf(b, layout))),
  );
  if (ours.length === 0) return { ...empty, nothingToDo: `every migration of the branch is at ${at.ref}` };
  if (notMerged.length > 0 && branch.source === "working tree") {
    throw new RebaseError(
      "rebase-refused",
      `${at.ref} has migrations this branch has not merged (${notMerged.map((b) => b.tag).join(", ")})`,
      `merge ${at.ref} first (git merge ${at.ref}); with the migrations folder in conflict, run db:rebase during the merge, then git add the folder and commit`,
      { migrations: notMerged.map((b) => b.tag) },
    );
  }
  const sharedOrder = current.migrations.filter((m) => baseByKey.has(keyOf(m, layout))).map((m) => keyOf(m, layout));
  const baseOrder = base.migrations.map((b) => keyOf(b, layout)).filter((k) => currentKeys.has(k));
  if (!sharedOrder.every((k, i) => k === baseOrder[i])) {
    throw new RebaseError(
      "rebase-refused",
      `the branch has ${at.ref}'s migrations in another order`,
      `restore the folder's order of ${at.ref}'s migrations (git checkout ${at.ref} -- <journal>), then rebase`,
    );
  }
  await refuseDeployed(repository, ours, current, ontoCommit, fromGit);

  const snapshots = await ownSnapshots(repository, ours, current, base, fromGit);
  const first = ours[0] as Migration;
  const theirs = await unseen(
    repository,
    base,
    { migration: first, snapshot: snapshots.get(first), path: repositoryPath(repository, sqlPath(first, current)) },
    ontoCommit,
  );
  const lastBase = base.migrations.at(-1) as Migration;
  const inPlace =
    theirs.length === 0 &&
    !fromGit.has(first) &&
    branchMigrations.indexOf(first) > branchMigrations.findIndex((m) => keyOf(m, layout) === keyOf(lastBase, layout)) &&
    first.when > lastBase.when;
  if (inPlace)
    return { ...empty, nothingToDo: `the branch's migrations already come after ${at.ref}'s last, ${lastBase.tag}` };

  // What each side touches: the branch's against its own parents, the base's against the base's chain.
  const byId = new Map<string, Snapshot>();
  for (const b of base.migrations) if (b.snapshot) byId.set(b.snapshot.id, b.snapshot);
  for (const s of snapshots.values()) if (s) byId.set(s.id, s);
  const reader = await touchReader(current.folder, [...base.migrations, ...ours]);
  const touchesOurs = new Map<Migration, MigrationTouches>();
  for (const m of ours) {
    const own = snapshots.get(m);
    const parent = own ? byId.get(parentIds(own)[0] ?? "") : undefined;
    touchesOurs.set(m, await reader.of(m, own, parent, branchMigrations.slice(0, branchMigrations.indexOf(m))));
  }
  const touchesTheirs = new Map<Migration, MigrationTouches>();
  for (const t of theirs) {
    const i = base.migrations.indexOf(t);
    touchesTheirs.set(t, await reader.of(t, t.snapshot, base.migrations[i - 1]?.snapshot, base.migrations.slice(0, i)));
  }
  const found = conflicts(touchesOurs, touchesTheirs);
  if (found.length > 0) {
    const lines = found.map((c) => `${c.ours.tag}: ${c.ours.object} — ${at.ref}'s ${c.theirs.tag}: ${c.theirs.object}`);
    throw new RebaseError(
      "rebase-conflict",
      `the branch's migrations and ${at.ref}'s later ones touch the same objects, so their order matters:\n  - ${lines.join("\n  - ")}`,
      `regenerate the branch's change on top of ${at.ref}: take the branch's migrations out (git rm), merge ${at.ref}, and run drizzle-kit generate, which diffs the merged schema against ${at.ref}'s last snapshot`,
      { conflicts: found },
    );
  }
  const warnings = [...touchesOurs.values(), ...touchesTheirs.values()].flatMap((t) => t.unread);

  // The new names, `when`s and snapshots.
  const now = (options.now ?? Date.now)();
  const withSnapshot = ours.filter((m) => snapshots.get(m));
  if (withSnapshot.length > 0 && !lastBase.snapshot) {
    throw new RebaseError(
      "rebase-refused",
      `${at.ref}'s last migration ${lastBase.tag} has no snapshot to regenerate the branch's snapshots on`,
      `restore its snapshot on ${at.ref} (drizzle-kit generate on that commit's schema), then rebase`,
    );
  }
  const regenerated = lastBase.snapshot
    ? await regenerateSnapshots(
        withSnapshot.map((m) => ({ tag: m.tag, snapshot: snapshots.get(m) as Snapshot })),
        lastBase.snapshot,
        byId,
        current.folder,
      )
    : [];
  const newSnapshot = new Map(withSnapshot.map((m, i) => [m, regenerated[i] as Snapshot]));
  const operations: FileOperation[] = [];
  const restored: string[] = [];
  const restore = async (path: string) => {
    const content = at.files.get(path);
    const here = join(repository.folder, path);
    if (content === undefined) return;
    if (existsSync(here) && (readFileSync(here).equals(content) || (await asAtBase(path)))) return;
    operations.push({ kind: "write", path, content });
    restored.push(path);
  };
  for (const b of base.migrations) {
    await restore(pathInFolder(base, b.file));
    await restore(pathInFolder(base, b.snapshotPath));
  }
  const moved: MovedMigration[] = [];
  if (layout === "journal") {
    const journal: Journal = structuredClone(base.journal as Journal);
    const journalPath = pathInFolder(base, base.journalPath);
    const basePaths = new Set(operations.map((o) => (o.kind === "write" ? o.path : "")));
    for (const b of base.migrations) {
      basePaths.add(pathInFolder(base, b.file));
      basePaths.add(pathInFolder(base, b.snapshotPath));
    }
    let lastWhen = Math.max(...journal.entries.map((e) => e.when));
    // The old files to remove, once every move is written: a snapshot's name is its number alone,
    // so one migration's old snapshot is often the file the one before it has just been moved to.
    const written = new Set<string>();
    const stale: string[] = [];
    const targets = ours.map((m) => {
      const entry = current.journal?.entries.find((e) => e.tag === m.tag);
      const { idx, tag } = nextTag(journal, namePart(m.tag), now);
      const when = Math.max(now, lastWhen + 1);
      lastWhen = when;
      journal.entries.push({ idx, version: entry?.version ?? "7", when, tag, breakpoints: entry?.breakpoints ?? true });
      return { m, tag, when };
    });
    const renames = new Map(targets.map(({ m, tag }) => [m.tag, tag]));
    for (const { m, tag, when } of targets) {
      const sqlTo = `${tag}.sql`;
      const snapshotTo = join("meta", snapshotFileName(tag));
      operations.push({ kind: "write", path: sqlTo, content: retargetRevertHeader(m.sql, renames) });
      written.add(sqlTo);
      const snapshot = newSnapshot.get(m);
      if (snapshot) {
        operations.push({ kind: "write", path: snapshotTo, content: `${JSON.stringify(snapshot, null, 2)}\n` });
        written.add(snapshotTo);
      }
      stale.push(sqlPath(m, current), pathInFolder(current, m.snapshotPath));
      moved.push({ from: m.tag, to: tag, when, snapshot: snapshot ? "regenerated" : "none" });
    }
    for (const old of new Set(stale))
      if (!written.has(old) && !basePaths.has(old)) operations.push({ kind: "remove", path: old });
    const text = at.files.get(journalPath)?.toString("utf8") ?? "";
    operations.push({
      kind: "write",
      path: journalPath,
      content: `${JSON.stringify(journal, null, 2)}${text.endsWith("\n") ? "\n" : ""}`,
    });
    restored.push(journalPath);
  } else {
    let lastWhen = lastBase.when;
    const targets = ours.map((m) => {
      const when = Math.max(Math.floor(now / 1000) * 1000, lastWhen + 1000);
      lastWhen = when;
      return { m, when, to: drizzleFolderName(m.name, when) };
    });
    const renames = new Map(targets.map(({ m, to }) => [m.tag, to]));
    for (const { m, when, to } of targets) {
      const from = dirname(sqlPath(m, current));
      const sql = retargetRevertHeader(m.sql, renames);
      if (branch.source === "working tree" && !fromGit.has(m)) {
        operations.push({ kind: "rename-folder", from, to });
        if (sql !== m.sql) operations.push({ kind: "write", path: join(to, "migration.sql"), content: sql });
      } else {
        operations.push({ kind: "write", path: join(to, "migration.sql"), content: sql });
        // A same-named migration's folder is the base's, written back as it is there.
        if (!fromGit.has(m))
          for (const old of ["migration.sql", "snapshot.json"])
            operations.push({ kind: "remove", path: join(from, old) });
      }
      const snapshot = newSnapshot.get(m);
      if (snapshot)
        operations.push({
          kind: "write",
          path: join(to, "snapshot.json"),
          content: `${JSON.stringify(snapshot, null, 2)}\n`,
        });
      moved.push({ from: m.name, to, when, snapshot: snapshot ? "regenerated" : "none" });
    }
  }
  const result: RebasePlan = {
    ...empty,
    layout,
    moved,
    sameName: [...sameName.values()].map((s) => ({ tag: s.migration.tag, commit: s.commit })),
    checkedAgainst: theirs.map((t) => t.tag),
    restored,
    warnings,
    operations,
  };
  checkResult(result);
  return result;
}

/** Applies the operations to `root`. */
function apply(root: string, operations: readonly FileOperation[]): void {
  for (const operation of operations) {
    if (operation.kind === "write") {
      mkdirSync(dirname(join(root, operation.path)), { recursive: true });
      writeFileSync(join(root, operation.path), operation.content);
    } else if (operation.kind === "remove") rmSync(join(root, operation.path), { force: true });
    else renameSync(join(root, operation.from), join(root, operation.to));
  }
}

/**
 * Applies the plan to a copy of the folder and reads the copy with the folder reader: the result
 * must be valid and in one order (no `when` going backwards), or nothing is written.
 */
function checkResult(plan: RebasePlan): void {
  const temp = mkdtempSync(join(tmpdir(), "migrator-rebase-"));
  try {
    const copy = join(temp, "migrations");
    cpSync(plan.folder, copy, { recursive: true });
    apply(copy, plan.operations);
    const result = readMigrationFolder(copy);
    const movedNames = new Set(plan.moved.map((m) => m.to));
    const backwards = result.warnings.filter(
      (w) =>
        (w.kind === "when-not-increasing" && (movedNames.has(w.tag) || movedNames.has(w.previousTag))) ||
        (w.kind === "same-second" && w.names.some((n) => movedNames.has(n))),
    );
    const names = result.migrations.map((m) => (plan.layout === "journal" ? m.tag : m.name));
    const tail = names.slice(-plan.moved.length);
    if (backwards.length > 0 || tail.join() !== plan.moved.map((m) => m.to).join()) {
      throw new RebaseError(
        "rebase-refused",
        `the rebased folder would not apply in one order (${names.slice(-plan.moved.length - 1).join(", ")})`,
        "report this; move the migrations by hand meanwhile",
      );
    }
  } catch (error) {
    if (error instanceof MigratorError && error.code === "folder-invalid") {
      throw new RebaseError(
        "rebase-refused",
        `the rebased folder would be invalid: ${error.message}`,
        "report this; move the migrations by hand meanwhile",
      );
    }
    throw error;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Writes the planned rebase into the migrations folder. */
export function writeRebase(plan: RebasePlan): void {
  apply(plan.folder, plan.operations);
}
