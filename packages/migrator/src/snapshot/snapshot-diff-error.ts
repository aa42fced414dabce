import { MigratorError } from "../errors/migrator-error.ts";

/** Why the toolkit could not read a snapshot, or Drizzle Kit's differ gave no SQL for a pair of them. */
export type SnapshotDiffReason =
  /** The differ would ask in a terminal whether names were renamed. */
  | "ambiguous-rename"
  /** The differ threw. */
  | "differ-failed"
  /** No installed Drizzle Kit can diff snapshots of this format (1.0 ones need drizzle-kit 1.0). */
  | "differ-missing"
  /** The Drizzle Kit found does not load (most often: it finds a drizzle-orm of another generation). */
  | "differ-unloadable"
  /** A snapshot format the toolkit does not read (Drizzle Kit's format 9). */
  | "unsupported-snapshot";

/**
 * A snapshot the toolkit cannot read, or a pair Drizzle Kit's differ gives no SQL for: what, why
 * (`reason`, also the error's code) and the fix.
 */
export class SnapshotDiffError extends MigratorError {
  override name = "SnapshotDiffError";

  constructor(
    message: string,
    readonly reason: SnapshotDiffReason,
    /** For `ambiguous-rename`: what would go and what would come. */
    readonly ambiguities: string[] = [],
    fix = "write this migration's SQL by hand (change the TypeScript schema, then drizzle-kit generate in a terminal)",
  ) {
    super(reason, message, fix);
  }

  protected override details(): Record<string, unknown> {
    return { ambiguities: this.ambiguities };
  }
}
