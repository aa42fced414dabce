import type { MigratorProblem } from "../errors/migrator-problem.ts";

/**
 * Exit codes of the migration commands (documented in the README):
 * 0 success; 1 a migration failed (or an unexpected error); 2 invalid input (migrations folder,
 * option); 3 the history does not match (modified, unknown, out-of-order, verification failed,
 * accept refused); 4 cannot connect; 5 a lock could not be had in time.
 */
export const EXIT = { ok: 0, failed: 1, invalidInput: 2, mismatch: 3, connection: 4, lock: 5 } as const;

/** The exit code for a problem. */
export function exitCodeFor(problem: MigratorProblem): number {
  switch (problem.kind) {
    case "migration-failed":
      return EXIT.failed;
    case "folder-invalid":
    case "invalid-option":
      return EXIT.invalidInput;
    case "history-mismatch":
    case "out-of-order":
    case "accept-refused":
      return EXIT.mismatch;
    case "connection-failed":
      return EXIT.connection;
    case "lock-timeout":
    case "runner-busy":
      return EXIT.lock;
  }
}
