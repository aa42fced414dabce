import { describeFolderIssue } from "../journal/folder-issue.ts";
import { MigratorError } from "./migrator-error.ts";
import type { RunnerProblem } from "./runner-problem.ts";

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

function describeProblem(p: RunnerProblem): { message: string; fix: string } {
  switch (p.kind) {
    case "folder-invalid":
      return {
        message:
          `migrations folder ${p.folder} is invalid (${p.issues.length} problem${p.issues.length === 1 ? "" : "s"}); nothing was applied:\n${p.issues.map((i) => `  - ${describeFolderIssue(i)}`).join("\n")}` +
          (p.warnings.length
            ? `\nalso untidy (these alone would not stop a run):\n${p.warnings.map((i) => `  - ${describeFolderIssue(i)}`).join("\n")}`
            : ""),
        fix: "fix each problem listed, then run again",
      };
    case "history-mismatch": {
      const lines = [
        ...p.modified.map(
          (m) =>
            `  - modified: ${m.tag} (${m.file}) was applied as ${m.appliedHash.slice(0, 12)}…, the file is now ${m.fileHash.slice(0, 12)}…`,
        ),
        ...p.unknown.map(
          (u) =>
            `  - unknown: database row id ${u.id} (hash ${u.hash.slice(0, 12)}…, created_at ${u.createdAt ?? "null"}) is not in the journal`,
        ),
      ];
      return {
        message: `the database's migration history does not match the journal; nothing was applied:\n${lines.join("\n")}`,
        fix:
          "restore a modified file from git; for a reviewed, deliberate edit record its new hash with db:accept-hash. " +
          "An unknown row means the database is newer than this code: deploy the code that has that migration.",
      };
    }
    case "out-of-order":
      return {
        message: `pending migration${p.migrations.length === 1 ? " is" : "s are"} older than the newest applied one; nothing was applied:\n${p.migrations
          .map((m) => `  - ${m.tag} (when ${m.when}, newest applied ${m.newestAppliedWhen})`)
          .join("\n")}`,
        fix: "check they do not conflict with the newer applied migrations, then run again with --allow-out-of-order",
      };
    case "migration-failed": {
      const db = p.database;
      const where = `${p.at.file}:${p.at.errorLine ?? p.at.line}`;
      const extra = [db.code && `code ${db.code}`, db.position && `position ${db.position}`].filter(Boolean).join(", ");
      return {
        message:
          `migration ${p.at.tag} failed at statement ${p.at.statement} (${where}: ${p.at.firstLine}): ${db.message}` +
          (extra ? ` [${extra}]` : "") +
          (db.detail ? `\n  detail: ${db.detail}` : "") +
          (db.hint ? `\n  hint: ${db.hint}` : "") +
          `\n  nothing of ${p.at.tag} was kept; earlier migrations stay applied`,
        fix: p.missingExtension
          ? `install the "${p.missingExtension}" extension on the database server (for pgvector on Debian: apt install postgresql-15-pgvector; on PGlite: load it in the extensions option), then run again`
          : "fix the SQL (or the data it trips on) and run again",
      };
    }
    case "lock-timeout":
      return {
        message: `migration ${p.at.tag} could not get a lock within ${p.lockTimeoutMs} ms at statement ${p.at.statement} (${p.at.file}:${p.at.line}: ${p.at.firstLine}), ${p.attempts} attempts: ${p.database.message}; nothing of ${p.at.tag} was kept`,
        fix: "another session holds a lock on the same object: find it in pg_locks / pg_stat_activity, let it finish, and run again (or raise --lock-timeout / --lock-retries)",
      };
    case "runner-busy":
      return {
        message: `another migration run held the migrator's advisory lock (key ${p.lockKey}) for more than ${p.waitedMs} ms`,
        fix: "wait for the other run to finish (see pg_locks where locktype = 'advisory'), or raise --wait-timeout",
      };
    case "accept-refused":
      return {
        message:
          p.reason === "not-in-journal"
            ? `${p.tag} is not a migration in the journal`
            : `${p.tag} is not modified: its applied hash already matches the file (or it is not applied)`,
        fix: "pass the tag of a migration that db:status shows as modified",
      };
    case "invalid-option":
      return {
        message: `invalid ${p.option}: ${JSON.stringify(p.value)} is not ${p.expected}`,
        fix: `set ${p.option} to ${p.expected}, or unset it for the default`,
      };
  }
}
