/**
 * The exit codes of every command, in one table (the README's table is this one):
 * - 0 success;
 * - 1 the command ran and found a failure: a migration failed, the review found errors, tenants
 *   are not isolated, a seed tier failed, db:revert refused, db:upgrade-layout's checks failed (the
 *   folder restored), a bookkeeping table the session cannot use, or an unexpected error;
 * - 2 invalid input: the migrations folder, an option, a config or baseline file, an unknown
 *   migration, a seed tier refused for this environment, an unknown seed environment, a committed migration for `--fix`, a
 *   server refusing `--live`'s throwaway database, snapshots no installed Drizzle Kit can diff, no
 *   Drizzle Kit 1.0 for `db:upgrade-layout`, a file db:revert would overwrite; a migration run through a transaction-mode pooler, or
 *   whose advisory lock a migration (or another client on its server connection) released;
 * - 3 the history does not match: modified, unknown, out-of-order, verification failed,
 *   accept-hash refused, db:seed on a database with migrations pending;
 * - 4 cannot connect (an unparseable URL included), or the connection was lost during a run (waiting
 *   for the lock included);
 * - 5 a lock could not be had in time (or the embedded database is open in another process, or
 *   another db:upgrade-layout is converting the folder);
 * - 130 / 143 interrupted by SIGINT / SIGTERM (128 + the signal's number).
 */
import { constants } from "node:os";
import type { MigratorError } from "../errors/migrator-error.ts";

export const EXIT = { ok: 0, failed: 1, invalidInput: 2, mismatch: 3, connection: 4, lock: 5 } as const;

export type ExitCode = number;

/** Error codes and their exit code; a code not listed exits 1. */
const EXIT_BY_CODE: Readonly<Record<string, ExitCode>> = {
  "folder-invalid": EXIT.invalidInput,
  "transaction-control": EXIT.invalidInput,
  "session-control": EXIT.invalidInput,
  "invalid-option": EXIT.invalidInput,
  "live-database-refused": EXIT.invalidInput,
  "fix-refused": EXIT.invalidInput,
  "unknown-migration": EXIT.invalidInput,
  "invalid-name": EXIT.invalidInput,
  "revert-target-exists": EXIT.invalidInput,
  "history-unreadable": EXIT.invalidInput,
  "review-config-invalid": EXIT.invalidInput,
  "review-baseline-invalid": EXIT.invalidInput,
  "review-init-exists": EXIT.invalidInput,
  "unknown-tier": EXIT.invalidInput,
  "unknown-environment": EXIT.invalidInput,
  "tier-not-allowed": EXIT.invalidInput,
  "production-refused": EXIT.invalidInput,
  "differ-missing": EXIT.invalidInput,
  "differ-unloadable": EXIT.invalidInput,
  "unsupported-snapshot": EXIT.invalidInput,
  "layout-upgrade-refused": EXIT.invalidInput,
  "not-in-git": EXIT.invalidInput,
  "base-unknown": EXIT.invalidInput,
  "base-folder-invalid": EXIT.invalidInput,
  "session-moved": EXIT.invalidInput,
  "lock-lost": EXIT.invalidInput,
  "history-mismatch": EXIT.mismatch,
  "migrations-pending": EXIT.mismatch,
  "out-of-order": EXIT.mismatch,
  "out-of-order-conflict": EXIT.mismatch,
  "accept-refused": EXIT.mismatch,
  "verification-failed": EXIT.mismatch,
  "connection-failed": EXIT.connection,
  "connection-lost": EXIT.connection,
  "lock-timeout": EXIT.lock,
  "runner-busy": EXIT.lock,
  "database-busy": EXIT.lock,
  "layout-busy": EXIT.lock,
};

/** The exit code for an error; an interruption exits as the shell reports a signal, 128 + its number. */
export function exitCodeFor(error: MigratorError): ExitCode {
  if (error.code === "interrupted") {
    const signal = (error.toJSON()["signal"] ?? "SIGINT") as keyof typeof constants.signals;
    return 128 + (constants.signals[signal] ?? constants.signals.SIGINT);
  }
  return EXIT_BY_CODE[error.code] ?? EXIT.failed;
}
