import type { DatabaseErrorFields } from "../drivers/driver.ts";
import { describeFolderIssue } from "../journal/folder-issue.ts";
import { nullHashFix } from "./null-hash-fix.ts";
import { MigratorError } from "./migrator-error.ts";
import type { FutureMigration, MigrationProgress, RunnerProblem } from "./runner-problem.ts";

/**
 * A failure of the migrations folder, the runner, status, verify or accept-hash. `problem` is plain
 * data (see {@link RunnerProblem}); its `kind` is the error's code.
 */
export class RunnerError extends MigratorError {
  override name = "RunnerError";

  constructor(readonly problem: RunnerProblem) {
    const { message, fix } = describeProblem(problem);
    super(problem.kind, message, fix);
  }

  protected override details(): Record<string, unknown> {
    const { kind: _kind, ...data } = this.problem;
    return data;
  }
}

/**
 * The message of a `folder-invalid` problem, `outcome` saying what the refusing command did not
 * do (db:migrate: "nothing was applied"; db:revert: "nothing was written").
 */
export function folderInvalidMessage(p: Extract<RunnerProblem, { kind: "folder-invalid" }>, outcome: string): string {
  return (
    `migrations folder ${p.folder} is invalid (${p.issues.length} problem${p.issues.length === 1 ? "" : "s"}); ${outcome}:\n${p.issues.map((i) => `  - ${describeFolderIssue(i)}`).join("\n")}` +
    (p.warnings.length
      ? `\nalso untidy (these alone would not stop a run):\n${p.warnings.map((i) => `  - ${describeFolderIssue(i)}`).join("\n")}`
      : "")
  );
}

function describeProblem(p: RunnerProblem): { message: string; fix: string } {
  switch (p.kind) {
    case "folder-invalid":
      return {
        message: folderInvalidMessage(p, "nothing was applied"),
        fix: "fix each problem listed, then run again",
      };
    case "history-mismatch": {
      const lines = [
        ...p.modified.map(
          (m) =>
            `  - modified: ${m.tag} (${m.file}) was applied as ${m.appliedHash.slice(0, 12)}…, the file is now ${m.fileHash.slice(0, 12)}…`,
        ),
        ...p.unknown.map((u) =>
          u.hash === null
            ? `  - unknown: database row id ${u.id} (created_at ${u.createdAt ?? "null"}) has no hash (NULL), so it matches no migration: ${nullHashFix(u.id)}`
            : u.duplicateOf
              ? `  - duplicate: database row id ${u.id} (hash ${u.hash.slice(0, 12)}…, created_at ${u.createdAt ?? "null"}) records ${u.duplicateOf} a second time: it was applied twice`
              : `  - unknown: database row id ${u.id} (hash ${u.hash.slice(0, 12)}…, created_at ${u.createdAt ?? "null"}) is not in the journal`,
        ),
      ];
      const duplicates = p.unknown.filter((u) => u.duplicateOf);
      return {
        message: `the database's migration history does not match the journal; nothing was applied:\n${lines.join("\n")}`,
        fix:
          "restore a modified file from git; for a reviewed, deliberate edit record its new hash with db:accept-hash. " +
          (p.unknown.some((u) => !u.duplicateOf && u.hash !== null)
            ? "An unknown row means the database is newer than this code: deploy the code that has that migration. "
            : "") +
          (p.unknown.some((u) => u.hash === null) ? "A row without a hash: as its line says. " : "") +
          (duplicates.length > 0
            ? "A duplicate row means two runs applied the migration (its statements ran twice, e.g. rows inserted twice): " +
              "check and repair what it did, then delete the later row (DELETE FROM drizzle.__drizzle_migrations WHERE id IN (" +
              `${duplicates.map((u) => u.id).join(", ")})).`
            : ""),
      };
    }
    case "out-of-order":
      if (p.futureApplied) return futureOutOfOrder(p, p.futureApplied);
      return {
        message: `pending migration${p.migrations.length === 1 ? " is" : "s are"} older than the newest applied one; nothing was applied:\n${p.migrations
          .map((m) => `  - ${m.tag} (when ${m.when}, newest applied ${m.newestAppliedWhen})`)
          .join("\n")}`,
        fix:
          "a branch merged after a later migration was applied. Either move the branch's migrations after the others with db:rebase " +
          "(before it is merged: renumbered, new when, snapshots regenerated) and deploy that, or run again with --allow-out-of-order, " +
          "which applies them after checking they touch nothing the later applied migrations touch",
      };
    case "transaction-control":
      return {
        message: `migration${p.statements.length === 1 ? "" : "s"} with transaction control the runner cannot honour; nothing was applied:\n${p.statements
          .map((t) => `  - ${t.file}:${t.line}: ${t.command}: ${t.reason}`)
          .join("\n")}`,
        fix:
          "remove the statement (one migration is one transaction); for work that must commit in steps (ALTER TYPE … ADD VALUE used later, " +
          "CREATE INDEX CONCURRENTLY, batched backfills) put it in its own migration starting with `-- migrator:no-transaction`. " +
          "An applied migration of an adopted history that manages its own transactions can be declared in the project's selfManagedTransactions",
      };
    case "session-control":
      return {
        message: `migration${p.statements.length === 1 ? "" : "s"} with statements that would undo what the runner relies on in its session; nothing was applied:\n${p.statements
          .map((t) => `  - ${t.file}:${t.line}: ${t.command}: ${t.reason}`)
          .join("\n")}`,
        fix: "remove each statement listed (its line says why it cannot run under the runner), then run again",
      };
    case "migration-failed": {
      const db = p.database;
      const where = `${p.at.file}:${p.at.errorLine ?? p.at.line}`;
      return {
        message:
          `migration ${p.at.tag} failed at statement ${p.at.statement} (${where}: ${p.at.firstLine}): ` +
          databaseError(db, db.position ? `position ${db.position}` : undefined) +
          `\n  ${whatRemains(p.at.tag, p.progress)}`,
        fix: p.missingExtension
          ? `install the "${p.missingExtension}" extension on the database server (for pgvector on Debian: apt install postgresql-15-pgvector; on PGlite: load it in the extensions option), then run again`
          : p.progress.transaction
            ? "fix the SQL (or the data it trips on) and run again"
            : "fix the SQL (or the data it trips on) and run again: the migration runs again from its first statement, so the statements that stayed must be re-runnable (IF NOT EXISTS)",
      };
    }
    case "transaction-ended":
      return {
        message:
          `migration ${p.tag} (${p.file}) ended the runner's transaction itself (a COMMIT or ROLLBACK the runner could not see, e.g. in a procedure it called); ` +
          (p.at
            ? `then statement ${p.at.statement} (${p.at.file}:${p.at.line}: ${p.at.firstLine}) failed outside it: ${p.detail ?? "error"}; `
            : "") +
          `it is not recorded, and what it committed before that stays (it was not rolled back): check the database`,
        fix: "remove the transaction control from the migration, or run it with the `-- migrator:no-transaction` directive",
      };
    case "bookkeeping-unusable":
      if (p.database) {
        return {
          message: `${p.user ?? "this session"} may not read drizzle.__drizzle_migrations, the history of applied migrations: ${p.database.message}; nothing was applied`,
          fix:
            "the user the runner connects as (or the role the session runs under) needs USAGE on schema drizzle, SELECT and INSERT on the table " +
            "and USAGE on its id sequence (GRANT …), or run as the table's owner",
        };
      }
      return {
        message:
          `drizzle.__drizzle_migrations is not Drizzle's bookkeeping table: it is ${RELATION_KINDS[p.relkind ?? ""] ?? "a relation"} ` +
          `with ${p.columns?.length ? `the columns ${p.columns.join(", ")}` : "no columns"}, where Drizzle's table has id, hash and created_at; nothing was applied`,
        fix: "it belongs to something else: rename it or move it out of schema drizzle, whose table Drizzle's migrators use too, then run again to create Drizzle's",
      };
    case "record-failed":
      return {
        message:
          `migration ${p.tag} (${p.file}) ran, but its row in drizzle.__drizzle_migrations was refused: ${databaseError(p.database)}` +
          `\n  ${whatRemains(p.tag, p.progress)}`,
        fix:
          "the runner writes the row as the user and role the run began with, with its own settings: they need USAGE on schema drizzle " +
          "and INSERT on the table, and no constraint or trigger of the table may refuse the row; fix that and run again" +
          (p.progress.transaction
            ? ""
            : ": the migration runs again from its first statement, so its statements must be re-runnable (IF NOT EXISTS)"),
      };
    case "commit-failed":
      return {
        message:
          `migration ${p.tag} (${p.file}) ran, but PostgreSQL refused its COMMIT: ${databaseError(p.database)}` +
          `\n  ${whatRemains(p.tag, p.progress)}`,
        fix:
          "a constraint or trigger checked at COMMIT (DEFERRABLE INITIALLY DEFERRED, or SET CONSTRAINTS … DEFERRED) rejected the " +
          "migration's changes: make the data satisfy it within the migration (or fix the rows it names), then run again",
      };
    case "invalid-index":
      return {
        message:
          `migration ${p.tag} (${p.file}) left ${p.indexes.length === 1 ? "an INVALID index" : "INVALID indexes"} (${p.indexes.join(", ")}), ` +
          `the remains of a failed concurrent build; it is not recorded. ${statementsRemaining(p.tag, p.progress)}`,
        fix: "run again: the runner drops an invalid index it built before building it again; if it stays invalid, look for a duplicate key or a failing expression in the index",
      };
    case "lock-timeout":
      return {
        message: `migration ${p.at.tag} could not get a lock within ${p.lockTimeoutMs} ms at statement ${p.at.statement} (${p.at.file}:${p.at.line}: ${p.at.firstLine}), ${p.attempts} attempts: ${p.database.message}; ${whatRemains(p.at.tag, p.progress)}`,
        fix: "another session holds a lock on the same object: find it in pg_locks / pg_stat_activity, let it finish, and run again (or raise --lock-timeout / --lock-retries)",
      };
    case "connection-lost": {
      if (!p.tag || !p.progress) {
        const applied = p.applied ?? [];
        return {
          message:
            `the connection to the database was lost (${p.detail}) while no migration was being applied; ` +
            (applied.length === 0
              ? "this run applied nothing"
              : `this run applied and recorded ${applied.length} migration${applied.length === 1 ? "" : "s"} (${applied.join(", ")}), which stay applied`),
          fix: "check the server (restart, failover, network), run db:status to see what is recorded, then run db:migrate again",
        };
      }
      const where = p.at ? ` at statement ${p.at.statement} (${p.at.file}:${p.at.line})` : "";
      const state = p.duringCommit
        ? `the connection dropped while ${p.tag} was committing: it may or may not be applied and recorded`
        : p.progress.transaction
          ? `${p.tag} runs in one transaction, which the server rolls back: nothing of it was kept; earlier migrations stay applied`
          : whatRemains(p.tag, p.progress);
      return {
        message: `the connection to the database was lost while applying ${p.tag}${where} (${p.detail}); ${state}`,
        fix: "check the server (restart, failover, network), run db:status to see what is recorded, then run db:migrate again",
      };
    }
    case "interrupted": {
      const applied = p.applied ?? [];
      if (!p.tag || !p.progress) {
        if (applied.length === 0)
          return {
            message: `interrupted by ${p.signal} before any migration was applied`,
            fix: "run db:migrate again",
          };
        return {
          message:
            `interrupted by ${p.signal} between migrations: this run applied and recorded ${applied.length} migration${applied.length === 1 ? "" : "s"} ` +
            `(${applied.length === 1 ? applied[0] : `${applied[0]} … ${applied.at(-1)}`}), which stay applied; the next one was not started`,
          fix: "run db:migrate again to apply the rest",
        };
      }
      const state = p.progress.transaction
        ? `${p.tag} was rolled back: nothing of it was kept; earlier migrations stay applied`
        : whatRemains(p.tag, p.progress);
      return {
        message: `interrupted by ${p.signal} while applying ${p.tag}${p.at ? ` (statement ${p.at.statement}, ${p.at.file}:${p.at.line})` : ""}; ${state}`,
        fix: "run db:migrate again to apply the rest",
      };
    }
    case "runner-busy":
      return {
        message: `another migration run held the migrator's advisory lock (key ${p.lockKey}) for more than ${p.waitedMs} ms`,
        fix: "wait for the other run to finish (see pg_locks where locktype = 'advisory'), or raise --wait-timeout",
      };
    case "session-moved": {
      const where =
        p.tag && p.progress ? `migration ${p.tag} (${p.file}) was to run` : "the run's history was to be read";
      const state = p.tag && p.progress ? whatRemains(p.tag, p.progress) : "nothing was applied";
      return {
        message:
          `${where} on server process ${p.backendPid}, but the run's advisory lock, lock_timeout and statement_timeout are on server process ${p.lockHolderPid}: ` +
          `the connection goes through a pooler in transaction mode (or a proxy like it), which hands each transaction any server connection, so neither the lock nor the timeouts would hold; ${state}`,
        fix:
          "run migrations on a direct connection to the server (or through a pooler in session mode). " +
          `Until the pooler closes server process ${p.lockHolderPid}, the migrator's lock may stay held there and make the next run wait: ` +
          `SELECT pg_terminate_backend(${p.lockHolderPid}), once pg_stat_activity shows it idle, releases it`,
      };
    }
    case "lock-lost":
      return {
        message:
          `migration ${p.tag} (${p.file}) was to run or be recorded, but the run's session (server process ${p.backendPid}) no longer holds ` +
          `the migrator's advisory lock (key ${p.lockKey}): a statement released it (DISCARD ALL, pg_advisory_unlock_all(), pg_advisory_unlock of that key, ` +
          `in the migration or in a function it calls), or another client that a pooler in transaction mode put on the same server connection did; ` +
          `another run could now apply the same migrations, so this one stopped; ${whatRemains(p.tag, p.progress)}`,
        fix:
          `run migrations on a direct connection to the server (or a pooler in session mode), and make sure ${p.file} (and any function it calls) releases no advisory lock it did not take; ` +
          "then run db:status to see what is recorded, and db:migrate again",
      };
    case "accept-refused":
      return acceptRefusal(p);
    case "invalid-option":
      return {
        message: `invalid ${p.option}: ${JSON.stringify(p.value)} is not ${p.expected}`,
        fix: `set ${p.option} to ${p.expected}, or unset it for the default`,
      };
  }
}

/** pg_class.relkind, in words. */
const RELATION_KINDS: Readonly<Record<string, string>> = {
  r: "a table",
  p: "a partitioned table",
  v: "a view",
  f: "a foreign table",
  m: "a materialized view",
  S: "a sequence",
  c: "a composite type",
  i: "an index",
  I: "a partitioned index",
  t: "a TOAST table",
};

/**
 * A database error as the runner prints it: the message, its SQLSTATE (and `extra`, such as the
 * position) in brackets, then PostgreSQL's detail and hint on lines of their own.
 */
function databaseError(db: DatabaseErrorFields, extra?: string): string {
  const codes = [db.code && `code ${db.code}`, extra].filter(Boolean).join(", ");
  return (
    db.message +
    (codes ? ` [${codes}]` : "") +
    (db.detail ? `\n  detail: ${db.detail}` : "") +
    (db.hint ? `\n  hint: ${db.hint}` : "")
  );
}

/** What stays of a migration that stopped part way, with any INVALID index its concurrent builds left. */
function whatRemains(tag: string, progress: MigrationProgress): string {
  const left = progress.invalidIndexes ?? [];
  const partly =
    progress.partlyCommitted === undefined
      ? ""
      : `; statement ${progress.partlyCommitted} commits inside itself (a DO block's COMMIT or a procedure), so part of its work may have committed before it failed: check the database before running again`;
  if (left.length === 0) return statementsRemaining(tag, progress) + partly;
  return (
    `${statementsRemaining(tag, progress)}; a failed concurrent index build left ${left.length === 1 ? "an INVALID index" : "INVALID indexes"} ` +
    `the runner could not drop, which stay${left.length === 1 ? "s" : ""} (PostgreSQL updates ${left.length === 1 ? "it" : "them"} on every write, and a unique one refuses duplicates): ` +
    `${left.join(", ")}; drop ${left.length === 1 ? "it" : "each"} with DROP INDEX CONCURRENTLY IF EXISTS once nothing holds the table` +
    partly
  );
}

function statementsRemaining(tag: string, progress: MigrationProgress): string {
  if (progress.transaction) return `nothing of ${tag} was kept (one transaction); earlier migrations stay applied`;
  if (progress.applied === progress.total)
    return `${tag} runs statement by statement: all ${progress.total} of its statements stay applied; it is not recorded`;
  if (progress.applied === 0)
    return `${tag} runs statement by statement and none of its ${progress.total} statements completed; it is not recorded`;
  return `${tag} runs statement by statement: its first ${progress.applied} of ${progress.total} statements stay applied; it is not recorded`;
}

/**
 * The out-of-order refusal when applied migrations have a `when` in the future: they are what makes
 * the pending migrations older, not a branch merged late, so the message names them and db:rebase
 * is not the way forward.
 */
function futureOutOfOrder(
  p: Extract<RunnerProblem, { kind: "out-of-order" }>,
  future: FutureMigration[],
): { message: string; fix: string } {
  const one = future.length === 1;
  const applied = future.map((m) => `${m.tag} (when ${m.when}, ${new Date(m.when).toISOString()})`).join(", ");
  const until = new Date(Math.max(...future.map((m) => m.when))).toISOString();
  return {
    message:
      `pending migration${p.migrations.length === 1 ? " is" : "s are"} older than the newest applied one, because the applied ` +
      `${one ? "migration" : "migrations"} ${applied} ${one ? "has a when that lies" : "have a when that lies"} in the future ` +
      `(a clock ahead where ${one ? "it was" : "they were"} generated, or a when set by hand), not because a branch was merged late; nothing was applied:\n${p.migrations
        .map((m) => `  - ${m.tag} (when ${m.when}, newest applied ${m.newestAppliedWhen})`)
        .join("\n")}`,
    fix:
      `every migration generated before ${until} counts as older than ${one ? "it" : "them"}: until then, deploy with --allow-out-of-order, which applies ` +
      "them after checking they touch nothing the later applied migrations touch (db:rebase does not help: no branch is out of place), " +
      "and set the clock of the machine that generates migrations right",
  };
}

function acceptRefusal(p: Extract<RunnerProblem, { kind: "accept-refused" }>): { message: string; fix: string } {
  const hashes = p.appliedHash && p.fileHash ? ` (applied as ${p.appliedHash}, the file is ${p.fileHash})` : "";
  switch (p.reason) {
    case "not-modified":
      return {
        message: `${p.tag} is not modified: its applied hash already matches the file (or it is not applied)`,
        fix: "pass the tag of a migration that db:status shows as modified",
      };
    case "not-an-edit":
      return {
        message: `${p.tag}: the applied row's hash matches no committed version of the file${hashes}: the row is another migration's, not an earlier text of this one`,
        fix: "do not accept: restore the migration the database applied, or find which migration the row belongs to (db:status)",
      };
    case "uncommitted":
      return {
        message: `${p.tag}: ${p.file ?? "the file"} is not what git's HEAD holds${hashes}: an accepted edit is a reviewed, committed one`,
        fix: `commit the edit once it is reviewed, then accept it; or put the file back: git checkout HEAD -- ${p.file ?? "<file>"}`,
      };
    case "line-endings":
      return {
        message: `${p.tag}: ${p.file ?? "the file"} differs from the text the database applied (${p.commit?.slice(0, 12)}) only in line endings${hashes}: a checkout that converts them (core.autocrlf, a .gitattributes eol), and migrations are hashed byte for byte`,
        fix: "do not accept: check the folder out with the line endings it was applied with (for LF: git config core.autocrlf input, or `*.sql text eol=lf` in .gitattributes), then db:status shows it applied",
      };
    case "no-history":
      return {
        message: `${p.tag}: no git history of the file to show what changed${hashes}`,
        fix: "compare the applied migration with the file yourself; to accept without git, run again with --without-git",
      };
  }
}
