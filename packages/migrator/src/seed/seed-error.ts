import { MigratorError } from "../errors/migrator-error.ts";

/**
 * Why seeding stopped, as data: a code, the tier concerned, what happened and how to fix it.
 * Commands print `message` and `fix`; `--json` prints the whole object.
 */
export type SeedErrorCode =
  /** A non-production tier was asked for in production (NODE_ENV or the database marker). */
  | "production-refused"
  /** NODE_ENV or the database marker names no known environment (a typo such as `prodution`). */
  | "unknown-environment"
  /** `--tier` named a tier that does not exist. */
  | "unknown-tier"
  /** The tier is not meant for this environment (e.g. a development-only tier in staging). */
  | "tier-not-allowed"
  /** The tier needs data another tier writes, and it is missing. */
  | "prerequisite-missing"
  /** The seed data contradicts what the database holds (e.g. a price rewritten in place). */
  | "invalid-data"
  /** The database has migrations still to apply (or none applied): nothing is seeded until db:migrate ran. */
  | "migrations-pending"
  /** The database rejected a statement while the tier ran. */
  | "tier-failed"
  /** The connection to the server was lost (a server's idle timeout, a restart): exit 4. */
  | "connection-lost"
  /** SIGINT or SIGTERM: stopped after the running tier (or while waiting for another run). */
  | "interrupted";

export interface SeedErrorData {
  code: SeedErrorCode;
  tier?: string;
  message: string;
  fix: string;
  /** Tiers that finished before the failure (their rows are kept). */
  completed?: string[];
  /** The signal that interrupted the run (`interrupted`): the exit code is 128 + its number. */
  signal?: NodeJS.Signals;
}

/** The one error type of the seed machinery and of every tier. */
export class SeedError extends MigratorError {
  override name = "SeedError";
  declare readonly code: SeedErrorCode;
  readonly tier?: string;
  readonly completed?: string[];
  readonly signal?: NodeJS.Signals;

  constructor(data: SeedErrorData) {
    super(data.code, data.message, data.fix);
    if (data.tier !== undefined) this.tier = data.tier;
    // Absent when nothing finished, as the JSON output promises (docs/seed-data.md).
    if (data.completed?.length) this.completed = data.completed;
    if (data.signal !== undefined) this.signal = data.signal;
  }

  protected override details(): Record<string, unknown> {
    return {
      ...(this.tier === undefined ? {} : { tier: this.tier }),
      ...(this.completed === undefined ? {} : { completed: this.completed }),
      ...(this.signal === undefined ? {} : { signal: this.signal }),
    };
  }
}
