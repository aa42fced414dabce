/**
 * Drizzle Kit 1.0 asks whether a replaced index (or column, table…) was renamed, and records the
 * renames it was told of in the new snapshot's `renames`. `diffSnapshots` never asks: where the
 * snapshot records no rename it diffs the drops, then the rest; where it records one, or says
 * nothing (a hand-made snapshot), it refuses and names what would go and come.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diffSnapshots, SnapshotDiffError } from "../../migrator/src/snapshot/snapshot-diff.ts";
import type { Snapshot } from "../../migrator/src/snapshot/snapshot.ts";

/** This package has Drizzle Kit 1.0: the differ of format-8 snapshots. */
const folder = fileURLToPath(new URL(".", import.meta.url));

type Entity = Record<string, unknown>;
const noteV8 = (): Snapshot =>
  JSON.parse(readFileSync(new URL("../../migrator/src/snapshot/fixtures/note-v8.json", import.meta.url), "utf8"));

/** `note-v8.json` with its index `note_kind_idx` replaced by `note_by_kind`, recording `renames`. */
function replacedIndex(renames: string[] | undefined): Snapshot {
  const next = noteV8();
  const index = (next["ddl"] as Entity[]).find((e) => e["name"] === "note_kind_idx");
  if (!index) throw new Error("note-v8.json has no note_kind_idx");
  index["name"] = "note_by_kind";
  if (renames === undefined) delete next["renames"];
  else next["renames"] = renames;
  return next;
}

async function refusal(current: Snapshot): Promise<SnapshotDiffError> {
  const error = await diffSnapshots(noteV8(), current, { folder }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SnapshotDiffError);
  return error as SnapshotDiffError;
}

describe("a replaced index between two Drizzle Kit 1.0 snapshots", () => {
  it("no rename recorded: the old index is dropped, then the new one created", async () => {
    const statements = await diffSnapshots(noteV8(), replacedIndex([]), { folder });
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^DROP INDEX "note_kind_idx"/);
    expect(statements[1]).toMatch(/^CREATE INDEX "note_by_kind" ON "note"/);
  });

  it("a rename recorded: refused, naming both, since the differ would have to be told", async () => {
    const error = await refusal(replacedIndex(["public.note.note_kind_idx->public.note.note_by_kind"]));
    expect(error.reason).toBe("ambiguous-rename");
    expect(error.ambiguities).toEqual([
      'indexes of table "note": "note_kind_idx" would go and "note_by_kind" would come',
    ]);
  });

  it("no renames at all (a hand-made snapshot): refused rather than guessed", async () => {
    expect((await refusal(replacedIndex(undefined))).reason).toBe("ambiguous-rename");
  });
});
