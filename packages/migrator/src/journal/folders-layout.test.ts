import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { folderRefusals } from "./testing/folder-refusals.ts";
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

  it("warns about a folder with neither migration.sql nor snapshot.json, a stray file, two folders of one second, and (parsing the snapshots) a broken chain", () => {
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
    expect(folderRefusals(dir)).toEqual([
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
    expect(folderRefusals(dir)).toEqual([{ kind: "layouts-mixed", path: dir }]);
  });

  it("refuses a migration folder that lost its migration.sql: the migrations after it would apply, and it never", () => {
    const dir = folder(["20260101000000_a", "20260102000000_b", "20260103000000_c"]);
    const lost = join(dir, "20260102000000_b", "migration.sql");
    rmSync(lost);
    expect(folderRefusals(dir)).toEqual([
      { kind: "migration-sql-missing", tag: "20260102000000_b", path: lost, reason: "no such file" },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${lost}: missing, but its folder has snapshot.json: Drizzle Kit generated a migration there. Applying the migrations after it without it would skip "20260102000000_b" for good`,
    );
    expect(() => readMigrationFolder(dir)).toThrow(
      "Restore migration.sql from git, or delete the whole folder if the migration was meant to go.",
    );
  });

  it("refuses a migration.sql that is a broken symlink (naming its target) or a directory, with or without its snapshot", () => {
    const dir = folder(["20260101000000_a", "20260102000000_b", "20260103000000_c"]);
    const [b, c] = [join(dir, "20260102000000_b"), join(dir, "20260103000000_c")];
    rmSync(join(b, "migration.sql"));
    rmSync(join(b, "snapshot.json"));
    symlinkSync(join(dir, "gone.sql"), join(b, "migration.sql"));
    rmSync(join(c, "migration.sql"));
    mkdirSync(join(c, "migration.sql"));
    const gone = join(dir, "gone.sql");
    expect(folderRefusals(dir)).toEqual([
      {
        kind: "sql-broken-link",
        tag: "20260102000000_b",
        path: join(b, "migration.sql"),
        reason: `a symbolic link to ${gone}, which does not exist`,
        target: gone,
      },
      { kind: "migration-sql-missing", tag: "20260103000000_c", path: join(c, "migration.sql"), reason: "a directory" },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${join(b, "migration.sql")}: the SQL file of "20260102000000_b" is a symbolic link to ${gone}, which does not exist. Restore ${gone}, or replace the link with the migration's SQL file itself.`,
    );
  });

  it("refuses a folder whose only migration lost its SQL for that, not for having no journal", () => {
    const dir = folder(["20260101000000_a"]);
    rmSync(join(dir, "20260101000000_a", "migration.sql"));
    expect(folderRefusals(dir)).toEqual([
      {
        kind: "migration-sql-missing",
        tag: "20260101000000_a",
        path: join(dir, "20260101000000_a", "migration.sql"),
        reason: "no such file",
      },
    ]);
  });

  it("refuses a migration.sql that is a symlink loop, naming the file, instead of failing on ELOOP", () => {
    const dir = folder(["20260101000000_a", "20260102000000_b"]);
    const file = join(dir, "20260102000000_b", "migration.sql");
    rmSync(file);
    symlinkSync(file, file);
    expect(folderRefusals(dir)).toEqual([
      {
        kind: "sql-unreadable",
        tag: "20260102000000_b",
        path: file,
        reason: expect.stringMatching(/^a symlink loop \(ELOOP/) as string,
      },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${file}: the SQL file of "20260102000000_b" cannot be read: it is a symlink loop`,
    );
  });

  it("applies a migration folder that is a symlink to one, as drizzle-orm 1.0 does", () => {
    const dir = folder(["20260101000000_a", "20260102000000_b"]);
    const elsewhere = mkdtempSync(join(tmpdir(), "linked-migration-"));
    try {
      writeFileSync(join(elsewhere, "migration.sql"), 'CREATE TABLE "linked" ("id" integer);');
      symlinkSync(elsewhere, join(dir, "20260101120000_linked"));
      const read = readMigrationFolder(dir);
      expect(read.migrations.map((m) => m.tag)).toEqual([
        "20260101000000_a",
        "20260101120000_linked",
        "20260102000000_b",
      ]);
      expect(read.warnings.map((w) => w.kind)).toEqual(["snapshot-missing"]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
