import { relative } from "node:path";
import type { Driver } from "../drivers/driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import { committedBlob, diffAgainst, differsFromHead, fileVersions, repositoryRoot } from "../git/git.ts";
import { migrationHash } from "../journal/file-hash.ts";
import { findMigration } from "../journal/find-migration.ts";
import type { Migration, MigrationFolder } from "../journal/migration-folder.ts";
import { inMigratorLockedTransaction, lockWaitMessage } from "./advisory-lock.ts";
import { BOOKKEEPING_TABLE, readAppliedRows } from "./bookkeeping.ts";
import { compareHistory } from "./history-state.ts";
import { resolveSessionOptions, type SessionOptions } from "./session-options.ts";

/** One recorded hash change, with what shows it is an edit of the applied migration. */
export interface AcceptedHash {
  tag: string;
  id: number;
  oldHash: string;
  newHash: string;
  /** The commit whose version of the file the database applied, and the diff from it to the file; absent with `withoutGit`. */
  evidence?: { commit: string; diff: string };
}

/**
 * Where the applied text of a modified migration is in the file's git history: the version whose
 * hash the row holds (as committed, or as a CRLF checkout of it wrote it). Refuses when the file
 * is not what HEAD holds (an edit nobody committed; compared as `git diff HEAD` compares, so a
 * merge commit or a checkout's line-ending conversion is no edit), when it differs from the
 * applied text only in line endings (a checkout's conversion, not an edit), when git knows the
 * file but no version has that hash (the row is another migration's), or when there is no history
 * to look in (unless `withoutGit`).
 */
async function evidenceOf(
  migration: Migration,
  appliedHash: string,
  withoutGit: boolean,
): Promise<AcceptedHash["evidence"]> {
  const { tag, file, hash: fileHash } = migration;
  const versions = await fileVersions(file);
  const root = await repositoryRoot(file);
  if (!versions || versions.length === 0 || !root) {
    if (withoutGit) return undefined;
    throw new RunnerError({ kind: "accept-refused", tag, reason: "no-history", appliedHash, fileHash });
  }
  // The edit accepted is the committed one, the text a deploy of this commit runs.
  const path = relative(root, file);
  if ((await committedBlob(root, "HEAD", path)) === undefined || (await differsFromHead(root, path)) !== false) {
    throw new RunnerError({
      kind: "accept-refused",
      tag,
      reason: "uncommitted",
      file,
      appliedHash,
      fileHash,
    });
  }
  const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");
  const applied = versions.find(
    (v) => migrationHash(v.text) === appliedHash || migrationHash(crlf(v.text)) === appliedHash,
  );
  if (!applied) throw new RunnerError({ kind: "accept-refused", tag, reason: "not-an-edit", appliedHash, fileHash });
  const lf = (text: string) => text.replace(/\r\n/g, "\n");
  if (lf(applied.text) === lf(migration.sql)) {
    throw new RunnerError({
      kind: "accept-refused",
      tag,
      reason: "line-endings",
      file,
      commit: applied.commit,
      appliedHash,
      fileHash,
    });
  }
  return { commit: applied.commit, diff: await diffAgainst(applied.text, file) };
}

/**
 * Accepts a deliberate, reviewed edit of applied migrations (like Flyway's `repair`): for each
 * tag, which must be `modified`, records the file's current hash in its bookkeeping row, once git
 * shows the applied text is an earlier version of the same file (see {@link evidenceOf}). Nothing
 * is executed; all tags change together or none does, in one transaction holding the migrator's
 * lock (a concurrent db:migrate waits, or is waited for).
 */
export async function acceptMigrationHashes(
  driver: Driver,
  folder: MigrationFolder,
  tags: readonly string[],
  options: Partial<SessionOptions> & {
    withoutGit?: boolean;
    /** Hears once, before it waits, that another run holds the migrator's lock (what to print). */
    onWait?: (message: string) => void;
  } = {},
): Promise<AcceptedHash[]> {
  // One transaction under a transaction-level lock: behind a transaction-mode pooler a
  // session-level lock could be taken on one server connection and released on another, left
  // held for whoever gets the first (every later db:migrate then waits for it).
  const session = resolveSessionOptions(options);
  const { onWait } = options;
  const waiting = onWait ? { onWait: () => onWait(lockWaitMessage(session.waitTimeoutMs)) } : {};
  return inMigratorLockedTransaction(driver, { ...session, ...waiting }, async () => {
    const history = compareHistory(folder, await readAppliedRows(driver));
    const changes: AcceptedHash[] = [];
    const accepting = new Set<string>();
    for (const wanted of tags) {
      // Named as every command names a migration; one the journal lacks is invalid input (exit 2).
      const { tag } = findMigration(folder, wanted);
      // The same migration named twice (by tag and by number) is accepted once.
      if (accepting.has(tag)) continue;
      accepting.add(tag);
      const entry = history.migrations.find((m) => m.migration.tag === tag);
      if (!entry || entry.state !== "modified")
        throw new RunnerError({ kind: "accept-refused", tag, reason: "not-modified" });
      const { row, migration } = entry;
      const evidence = await evidenceOf(migration, row.hash, options.withoutGit ?? false);
      changes.push({ tag, id: row.id, oldHash: row.hash, newHash: migration.hash, ...(evidence ? { evidence } : {}) });
    }
    for (const c of changes)
      await driver.query(`UPDATE ${BOOKKEEPING_TABLE} SET hash = $1 WHERE id = $2`, [c.newHash, c.id]);
    return changes;
  });
}
