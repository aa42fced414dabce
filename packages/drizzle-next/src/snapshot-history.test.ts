/**
 * The snapshot model on Trovella's real history, as committed (Drizzle Kit 0.x, format 7) and as
 * `drizzle-kit up` of the pinned 1.0 release candidate converts it (format 8): what each migration
 * touched, the names, the rename prompts and the generated statements agree, the last by their
 * canonical form (1.0 writes the same change in other words).
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Migration, readMigrationFolder } from "@repo/migrator";
import { MIGRATIONS_FOLDER } from "@repo/db/testing";
import { canonicalStatements } from "../../migrator/src/sql/canonical-sql.ts";
import { loadParser } from "../../migrator/src/sql/parse-migration.ts";
import { diffSnapshots, SnapshotDiffError } from "../../migrator/src/snapshot/snapshot-diff.ts";
import {
  removedEnumValues,
  renameAmbiguities,
  snapshotNames,
  tablesOnlyIn,
  touchedObjects,
  withChangesReverted,
} from "../../migrator/src/snapshot/snapshot-objects.ts";
import type { Snapshot } from "../../migrator/src/snapshot/snapshot.ts";
import { emptySnapshot } from "../../migrator/src/snapshot/snapshot.ts";
import { legacyAndUpgraded } from "./upgraded-history.ts";

/** Drizzle Kit 1.0's own conversion of one snapshot, to compare a written format-7 snapshot with. */
const { up } = createRequire(import.meta.url)("drizzle-kit/api-postgres") as {
  up(snapshot: Snapshot): { snapshot: { ddl: unknown[] } };
};

let histories: ReturnType<typeof legacyAndUpgraded>;
let legacy: Migration[];
let upgraded: Migration[];
beforeAll(async () => {
  await loadParser();
  histories = legacyAndUpgraded(MIGRATIONS_FOLDER);
  legacy = readMigrationFolder(histories.legacy.migrations).migrations;
  upgraded = readMigrationFolder(histories.upgraded.migrations).migrations;
});
afterAll(() => histories?.remove());

const snapshot = (m: Migration | undefined): Snapshot => {
  if (!m?.snapshot) throw new Error(`no snapshot for ${m?.tag}`);
  return m.snapshot;
};
const pairs = () => [...Array(legacy.length).keys()].slice(1);
/**
 * 1.0 records each primary key as a constraint of its own (`t_pkey`), where 0.x marks the column;
 * the rest compared in order of name (1.0 lists a table's objects in another order).
 */
const withoutPrimaryKeys = (names: Iterable<string>) =>
  [...names].filter((n) => !/^constraint "\w+_pkey" on |^\w+_pkey$/.test(n)).sort();

describe("the same history in both formats", () => {
  it("has the same migrations, in order, each with a snapshot of its format", () => {
    expect(upgraded.map((m) => m.name)).toEqual(legacy.map((m) => m.name));
    expect(legacy.map((m) => snapshot(m)["version"])).toEqual(legacy.map(() => "7"));
    expect(upgraded.map((m) => snapshot(m)["version"])).toEqual(upgraded.map(() => "8"));
  });

  it("each migration touched the same objects and used the same ones", () => {
    for (const k of pairs()) {
      const a = touchedObjects(snapshot(legacy[k - 1]), snapshot(legacy[k]));
      const b = touchedObjects(snapshot(upgraded[k - 1]), snapshot(upgraded[k]));
      expect(withoutPrimaryKeys(b.changed.keys()), legacy[k]?.tag).toEqual([...a.changed.keys()].sort());
      expect([...b.used].sort(), legacy[k]?.tag).toEqual([...a.used].sort());
      expect(tablesOnlyIn(snapshot(upgraded[k]), snapshot(upgraded[k - 1]))).toEqual(
        tablesOnlyIn(snapshot(legacy[k]), snapshot(legacy[k - 1])),
      );
      // 0.x never asks about an index (0012 replaced one) or a foreign key (0015 replaced some, under
      // new names); 1.0 does, and its snapshot records the answer: no rename, so the differ is
      // never left to ask (review-upgraded.test.ts).
      expect(renameAmbiguities(snapshot(legacy[k - 1]), snapshot(legacy[k]))).toEqual([]);
      for (const ambiguity of renameAmbiguities(snapshot(upgraded[k - 1]), snapshot(upgraded[k])))
        expect(ambiguity).toMatch(/^(indexes|foreign keys) of table /);
      expect(snapshot(upgraded[k])["renames"]).toEqual([]);
      expect(removedEnumValues(snapshot(upgraded[k - 1]), snapshot(upgraded[k]))).toEqual(
        removedEnumValues(snapshot(legacy[k - 1]), snapshot(legacy[k])),
      );
    }
  });

  it("names the same tables, enums and objects of each table", () => {
    const a = snapshotNames(snapshot(legacy.at(-1)));
    const b = snapshotNames(snapshot(upgraded.at(-1)));
    expect(b.tables).toEqual(a.tables);
    expect(b.enums).toEqual(a.enums);
    for (const [table, names] of a.parts)
      expect(withoutPrimaryKeys(b.parts.get(table) ?? []), table).toEqual([...names].sort());
  });

  it("takes an earlier migration (0005) out of the last snapshot the same way: 1.0's up of the 0.x result is the 1.0 result", () => {
    const reverted = (m: Migration[]) => withChangesReverted(snapshot(m.at(-1)), snapshot(m[4]), snapshot(m[5]));
    const sorted = (ddl: unknown[]) => ddl.map((e) => JSON.stringify(e, Object.keys(e as object).sort())).sort();
    const fromLegacy = up(reverted(legacy)).snapshot.ddl;
    const fromUpgraded = reverted(upgraded)["ddl"] as unknown[];
    expect(sorted(fromUpgraded)).toEqual(sorted(fromLegacy));
    expect(fromUpgraded.some((e) => (e as { name: string }).name === "skill_execution")).toBe(false);
  });
});

describe("generated statements: 0.31's differ on the 0.x snapshots, 1.0's on the converted ones", () => {
  it("differ in text but are the same statements, migration by migration", async () => {
    const folder = histories.upgraded.migrations;
    let differentText = 0;
    for (const k of [...pairs(), 0]) {
      const a = await diffSnapshots(k ? snapshot(legacy[k - 1]) : emptySnapshot(), snapshot(legacy[k]));
      const b = await diffSnapshots(k ? snapshot(upgraded[k - 1]) : emptySnapshot(), snapshot(upgraded[k]), { folder });
      expect(b.length, legacy[k]?.tag).toBe(a.length);
      expect(new Set(b.flatMap(canonicalStatements)), legacy[k]?.tag).toEqual(new Set(a.flatMap(canonicalStatements)));
      differentText += b.filter((s) => !a.includes(s)).length;
    }
    // Not a tautology: 1.0 wrote most of them differently.
    expect(differentText).toBeGreaterThan(100);
  });

  it("take Drizzle Kit 1.0 from the migrations folder's project, and say so when nothing reachable has it", async () => {
    const [previous, current] = [snapshot(upgraded[8]), snapshot(upgraded[9])];
    const generated = await diffSnapshots(previous, current, { folder: histories.upgraded.migrations });
    expect(generated[0]).toBe(
      `CREATE TYPE "document_source_table" AS ENUM('research_artifact', 'research_output', 'extraction_result');`,
    );
    // From the repository root (where the tests run), only the toolkit's Drizzle Kit 0.x is reachable.
    const error = await diffSnapshots(previous, current).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotDiffError);
    expect((error as SnapshotDiffError).reason).toBe("differ-missing");
  });
});
