import { MigratorError } from "../errors/migrator-error.ts";

/** Why `db:revert` refused or failed. Stable codes: the command maps them to messages and exit codes. */
export type RevertErrorCode =
  /** The migrations folder, journal or a snapshot cannot be read. */
  | "history-unreadable"
  /** The first migration has no earlier state to return to. */
  | "first-migration"
  /** A later migration is db:revert's reverse of it already (its header says so). */
  | "already-reverted"
  /** A later migration touches an object the reverted migration changed, or has a statement db:revert cannot read. */
  | "later-migration-conflict"
  /** The --name is not usable in a file name. */
  | "invalid-name"
  /** A file or folder the new migration would be written to exists already (never overwritten). */
  | "revert-target-exists"
  /** Drizzle Kit would have to ask whether something was renamed (it prompts; we do not guess). */
  | "ambiguous-rename"
  /**
   * The revert builds or drops an index CONCURRENTLY (the reverse of what the reverted migration
   * did so, or an index Drizzle Kit writes CONCURRENTLY), so it must run outside a transaction,
   * but another statement of the revert is not safe there.
   */
  | "needs-transaction";

/** One object a later migration also touches: what, and which migrations. */
export interface RevertConflict {
  /** The object, e.g. `table "plan_step"` or `column "ai_usage"."correlation_id"`. */
  object: string;
  /** The later migration's tag. */
  migration: string;
  /** What the later migration does: `changes …` or `references …` (the same object, or one inside / around it). */
  touches: string;
}

/**
 * A refusal or failure of `db:revert`: what failed (`message`), what to do (`fix`), and for
 * conflicts the objects and migrations involved.
 */
export class RevertError extends MigratorError {
  override name = "RevertError";
  declare readonly code: RevertErrorCode;
  readonly conflicts: RevertConflict[];
  readonly ambiguities: string[];

  constructor(
    code: RevertErrorCode,
    message: string,
    details: { fix: string; conflicts?: RevertConflict[]; ambiguities?: string[] },
  ) {
    super(code, message, details.fix);
    this.conflicts = details.conflicts ?? [];
    this.ambiguities = details.ambiguities ?? [];
  }

  protected override details(): Record<string, unknown> {
    return { conflicts: this.conflicts, ambiguities: this.ambiguities };
  }
}
