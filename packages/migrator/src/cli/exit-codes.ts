/**
 * The exit codes of every command, in one table (the README's table is this one):
 * - 0 success;
 * - 1 the command ran and found a failure: a migration failed, the review found errors, tenants
 *   are not isolated, a seed tier failed, db:revert refused, or an unexpected error;
 * - 2 invalid input: the migrations folder, an option, a config or baseline file, an unknown
 *   migration, a seed tier refused for this environment;
 * - 3 the history does not match: modified, unknown, out-of-order, verification failed,
 *   accept-hash refused;
 * - 4 cannot connect;
 * - 5 a lock could not be had in time.
 */
import type { MigratorError } from "../errors/migrator-error.ts";

export const EXIT = { ok: 0, failed: 1, invalidInput: 2, mismatch: 3, connection: 4, lock: 5 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Error codes and their exit code; a code not listed exits 1. */
const EXIT_BY_CODE: Readonly<Record<string, ExitCode>> = {
  "folder-invalid": EXIT.invalidInput,
  "invalid-option": EXIT.invalidInput,
  "unknown-migration": EXIT.invalidInput,
  "invalid-name": EXIT.invalidInput,
  "history-unreadable": EXIT.invalidInput,
  "review-config-invalid": EXIT.invalidInput,
  "review-baseline-invalid": EXIT.invalidInput,
  "review-init-exists": EXIT.invalidInput,
  "unknown-tier": EXIT.invalidInput,
  "tier-not-allowed": EXIT.invalidInput,
  "production-refused": EXIT.invalidInput,
  "history-mismatch": EXIT.mismatch,
  "out-of-order": EXIT.mismatch,
  "accept-refused": EXIT.mismatch,
  "verification-failed": EXIT.mismatch,
  "connection-failed": EXIT.connection,
  "lock-timeout": EXIT.lock,
  "runner-busy": EXIT.lock,
};

/** The exit code for an error. */
export function exitCodeFor(error: MigratorError): ExitCode {
  return EXIT_BY_CODE[error.code] ?? EXIT.failed;
}
