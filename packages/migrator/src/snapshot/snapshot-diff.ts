/**
 * Drizzle Kit's own differ (`generateMigration` from `drizzle-kit/api`): the SQL it generates to
 * go from one snapshot to another. The one place the toolkit loads Drizzle Kit: lazily, since the
 * import costs about a second that db:migrate on every deploy would otherwise pay.
 */
import { renameAmbiguities } from "./snapshot-objects.ts";
import type { Snapshot } from "./snapshot.ts";

/** Why Drizzle Kit's differ gave no SQL for a pair of snapshots. */
export class SnapshotDiffError extends Error {
  override name = "SnapshotDiffError";
  constructor(
    message: string,
    /** `ambiguous-rename`: the differ would ask in a terminal whether names were renamed. */
    readonly reason: "ambiguous-rename" | "differ-failed",
    /** For `ambiguous-rename`: what would go and what would come. */
    readonly ambiguities: string[] = [],
  ) {
    super(message);
  }
}

/**
 * The statements Drizzle Kit generates from `previous` to `current`. Throws `SnapshotDiffError`
 * instead of letting the differ prompt (it needs a terminal to ask about renames, and without one
 * prints a trace and throws) or fail silently.
 */
export async function diffSnapshots(previous: Snapshot, current: Snapshot): Promise<string[]> {
  const ambiguities = renameAmbiguities(previous, current);
  if (ambiguities.length > 0) {
    throw new SnapshotDiffError(
      `Drizzle Kit cannot tell a rename from a drop and a create without asking (${ambiguities.join("; ")})`,
      "ambiguous-rename",
      ambiguities,
    );
  }
  const { generateMigration } = await import("drizzle-kit/api");
  try {
    return await generateMigration(previous as never, current as never);
  } catch (error) {
    throw new SnapshotDiffError(
      `Drizzle Kit's differ failed: ${error instanceof Error ? error.message : String(error)}`,
      "differ-failed",
    );
  }
}
