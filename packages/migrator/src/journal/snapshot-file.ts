/**
 * A migration's snapshot file, parsed when first asked for. Applying, verifying and showing the
 * state never look at snapshots, and parsing them is most of what reading a folder costs (1.0's
 * are larger still), so the reader only checks that each file exists; db:review, db:revert and
 * db:rebase, which diff snapshots, parse them and hear about the malformed ones
 * ({@link snapshotWarnings}).
 */
import { readFileSync } from "node:fs";
import { parentIds, type Snapshot } from "../snapshot/snapshot.ts";
import type { FolderIssue } from "./folder-issue.ts";

/** The outcome of parsing a snapshot file: the snapshot, or why it is not one. */
type Parsed = { snapshot: Snapshot } | { reason: string };

/** A snapshot file, parsed once, on first use. */
export class SnapshotFile {
  #parsed: Parsed | undefined;

  constructor(readonly path: string) {}

  /** The snapshot; undefined when the file is not a complete Drizzle Kit snapshot ({@link problem} says why). */
  get snapshot(): Snapshot | undefined {
    const parsed = this.#parse();
    return "snapshot" in parsed ? parsed.snapshot : undefined;
  }

  /** Why the file is not a complete Drizzle Kit snapshot; undefined when it is one. */
  get problem(): string | undefined {
    const parsed = this.#parse();
    return "reason" in parsed ? parsed.reason : undefined;
  }

  #parse(): Parsed {
    this.#parsed ??= parseSnapshot(this.path);
    return this.#parsed;
  }
}

/** A complete Drizzle Kit snapshot (0.x: `tables`; 1.0: `ddl` or `deltas`), or why the file is not one. */
function parseSnapshot(path: string): Parsed {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> | null;
    if (typeof parsed !== "object" || parsed === null || typeof parsed["id"] !== "string")
      return { reason: "not a Drizzle Kit snapshot (no id)" };
    const complete =
      typeof parsed["tables"] === "object" || Array.isArray(parsed["ddl"]) || Array.isArray(parsed["deltas"]);
    if (!complete) return { reason: "not a complete Drizzle Kit snapshot (no tables, ddl or deltas)" };
    return { snapshot: parsed as Snapshot };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

/**
 * The snapshot untidiness of a folder's migrations, parsing every snapshot: a file that is not a
 * complete snapshot, and (in 1.0's layout, where `drizzle-kit generate` diffs along `prevIds`) a
 * parent that no earlier migration's snapshot has. A missing file is the reader's own warning.
 */
export function snapshotWarnings(
  layout: "journal" | "folders",
  migrations: readonly { tag: string; snapshotFile: SnapshotFile | undefined }[],
): FolderIssue[] {
  const issues: FolderIssue[] = [];
  const ids = new Set<string>();
  migrations.forEach(({ tag, snapshotFile }, position) => {
    if (!snapshotFile) return;
    const { snapshot, problem, path } = snapshotFile;
    if (problem !== undefined) issues.push({ kind: "snapshot-malformed", tag, path, reason: problem });
    if (!snapshot) return;
    if (layout === "folders" && position > 0) {
      for (const parent of parentIds(snapshot))
        if (!ids.has(parent)) issues.push({ kind: "snapshot-parent-missing", tag, path, parent });
    }
    ids.add(snapshot.id);
  });
  return issues;
}
