import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FolderIssue } from "./folder-issue.ts";
import { folderSnapshotWarnings, readMigrationFolder } from "./migration-folder.ts";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/**
 * A Drizzle Kit 1.0 folder of migrations (given in the order they were generated), each a folder
 * with migration.sql and a version-8 snapshot chained to the one before; created newest first.
 */
function folder(names: string[]): string {
  root = mkdtempSync(join(tmpdir(), "folders-layout-"));
  let parent = "00000000-0000-0000-0000-000000000000";
  for (const [i, name] of names.entries()) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "migration.sql"), `CREATE TABLE "t${i}" ("id" integer);`);
    const id = `00000000-0000-0000-0000-00000000000${i + 1}`;
    writeFileSync(
      join(root, name, "snapshot.json"),
      JSON.stringify({ id, prevIds: [parent], version: "8", dialect: "postgres", ddl: [] }),
    );
    parent = id;
  }
  return root;
}

function refusals(dir: string): FolderIssue[] {
  try {
    readMigrationFolder(dir);
  } catch (error) {
    return (error as { problem: { issues: FolderIssue[] } }).problem.issues;
  }
  throw new Error("the folder was accepted");
}

describe("Drizzle Kit 1.0's layout", () => {
  it("reads the folders in drizzle-orm 1.0's order, each named by its folder, its when the folder's UTC second", () => {
    const dir = folder(["20260101000000_first", "20260102030405_second"]);
    const read = readMigrationFolder(dir);
    expect(read.layout).toBe("folders");
    expect(read.journal).toBeUndefined();
    expect(read.migrations.map((m) => [m.tag, m.name, m.when, m.idx])).toEqual([
      ["20260101000000_first", "20260101000000_first", Date.UTC(2026, 0, 1), 0],
      ["20260102030405_second", "20260102030405_second", Date.UTC(2026, 0, 2, 3, 4, 5), 1],
    ]);
    expect(read.migrations[0]!.file).toBe(join(dir, "20260101000000_first", "migration.sql"));
    expect(read.warnings).toEqual([]);
  });

  it("warns about a folder without migration.sql, a stray file, two folders of one second, and (parsing the snapshots) a broken chain", () => {
    const dir = folder(["20260101000000_a", "20260101000000_b", "20260103000000_c"]);
    mkdirSync(join(dir, "notes"));
    writeFileSync(join(dir, "README.md"), "# migrations");
    writeFileSync(
      join(dir, "20260103000000_c", "snapshot.json"),
      JSON.stringify({ id: "x", prevIds: ["gone"], version: "8", dialect: "postgres", ddl: [] }),
    );
    const read = readMigrationFolder(dir);
    expect(read.migrations).toHaveLength(3);
    expect(read.warnings).toEqual(
      expect.arrayContaining([
        { kind: "folder-without-sql", path: join(dir, "notes") },
        { kind: "stray-file", path: join(dir, "README.md") },
        { kind: "same-second", names: ["20260101000000_a", "20260101000000_b"] },
      ]),
    );
    expect(read.warnings).toHaveLength(3);
    // The chain is the snapshots': checked when a command that diffs them parses them.
    expect(folderSnapshotWarnings(read)).toEqual([
      {
        kind: "snapshot-parent-missing",
        tag: "20260103000000_c",
        path: join(dir, "20260103000000_c", "snapshot.json"),
        parent: "gone",
      },
    ]);
  });

  it("refuses a folder name that is no time (drizzle-orm 1.0's migrator fails on it) and a folder in both layouts", () => {
    const dir = folder(["20260101000000_a", "custom_migration", "20261399000000_no_such_month"]);
    expect(refusals(dir)).toEqual([
      { kind: "folder-name-invalid", path: join(dir, "20261399000000_no_such_month") },
      { kind: "folder-name-invalid", path: join(dir, "custom_migration") },
    ]);
    rmSync(join(dir, "custom_migration"), { recursive: true });
    rmSync(join(dir, "20261399000000_no_such_month"), { recursive: true });
    mkdirSync(join(dir, "meta"));
    writeFileSync(
      join(dir, "meta", "_journal.json"),
      JSON.stringify({ version: "7", dialect: "postgresql", entries: [] }),
    );
    expect(refusals(dir)).toEqual([{ kind: "layouts-mixed", path: dir }]);
  });
});
