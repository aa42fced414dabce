import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { folderRefusals } from "./testing/folder-refusals.ts";
import { readMigrationFolder } from "./migration-folder.ts";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A Drizzle Kit 0.x folder: `meta/_journal.json` listing `NNNN_tag.sql` files, each with its snapshot. */
function journalFolder(sql: string[]): string {
  root = mkdtempSync(join(tmpdir(), "migration-folder-"));
  mkdirSync(join(root, "meta"));
  const entries = sql.map((text, idx) => {
    const tag = `${String(idx).padStart(4, "0")}_m${idx}`;
    writeFileSync(join(root, `${tag}.sql`), text);
    writeFileSync(
      join(root, "meta", `${tag.slice(0, 4)}_snapshot.json`),
      JSON.stringify({ id: `s${idx}`, tables: {} }),
    );
    return { idx, version: "7", when: 1_790_000_000_000 + idx, tag, breakpoints: true };
  });
  writeFileSync(join(root, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  return root;
}

describe("a migration's bytes", () => {
  it("refuses a NUL byte, which PostgreSQL refuses in any query, naming the file, line and byte", () => {
    const dir = journalFolder(["CREATE TABLE a (id int);", "CREATE TABLE a (id int);\n\0 CREATE TABLE b (id int);"]);
    const file = join(dir, "0001_m1.sql");
    expect(folderRefusals(dir)).toEqual([{ kind: "sql-has-nul", tag: "0001_m1", path: file, offset: 25, line: 2 }]);
    expect(() => readMigrationFolder(dir)).toThrow(`${file}:2: byte 25 is a NUL (0x00), which PostgreSQL refuses`);
  });

  it("refuses a NUL in Drizzle Kit 1.0's layout too", () => {
    root = mkdtempSync(join(tmpdir(), "migration-folder-"));
    mkdirSync(join(root, "20260101000000_a"));
    writeFileSync(join(root, "20260101000000_a", "migration.sql"), "SELECT 1;\0");
    expect(folderRefusals(root)).toEqual([
      {
        kind: "sql-has-nul",
        tag: "20260101000000_a",
        path: join(root, "20260101000000_a", "migration.sql"),
        offset: 9,
        line: 1,
      },
    ]);
  });
});

describe("paths that are no readable file", () => {
  it("refuses a SQL file that is a symlink loop, naming it, instead of failing on ELOOP", () => {
    const dir = journalFolder(["SELECT 1;", "SELECT 2;"]);
    const file = join(dir, "0001_m1.sql");
    rmSync(file);
    symlinkSync(file, file);
    expect(folderRefusals(dir)).toEqual([
      {
        kind: "sql-unreadable",
        tag: "0001_m1",
        path: file,
        reason: expect.stringMatching(/^a symlink loop \(ELOOP/) as string,
      },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${file}: the SQL file of "0001_m1" cannot be read: it is a symlink loop`,
    );
  });

  it("says what the journal is when it is no readable file: a symlink loop, a broken symlink, a directory", () => {
    const dir = journalFolder(["SELECT 1;"]);
    const journal = join(dir, "meta", "_journal.json");
    rmSync(journal);
    symlinkSync(journal, journal);
    expect(folderRefusals(dir)).toEqual([
      { kind: "journal-unreadable", path: journal, reason: expect.stringMatching(/^a symlink loop/) as string },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(`${journal}: the journal cannot be read: it is a symlink loop`);
    rmSync(journal);
    symlinkSync(join(dir, "gone.json"), journal);
    expect(folderRefusals(dir)).toEqual([
      { kind: "journal-unreadable", path: journal, reason: "a broken symlink (its target does not exist)" },
    ]);
    rmSync(journal);
    mkdirSync(journal);
    expect(folderRefusals(dir)).toEqual([{ kind: "journal-unreadable", path: journal, reason: "a directory" }]);
    rmSync(journal, { recursive: true });
    expect(folderRefusals(dir)).toEqual([{ kind: "journal-missing", path: journal }]);
  });

  it("refuses a migrations folder that is a file or a symlink loop, naming it, instead of failing on ENOTDIR or ELOOP", () => {
    root = mkdtempSync(join(tmpdir(), "migration-folder-"));
    const file = join(root, "migrations.sql");
    writeFileSync(file, "SELECT 1;");
    expect(folderRefusals(file)).toEqual([{ kind: "folder-unreadable", path: file, reason: "a file, not a folder" }]);
    expect(() => readMigrationFolder(file)).toThrow(
      `${file}: the migrations folder cannot be read: it is a file, not a folder.`,
    );
    const loop = join(root, "drizzle");
    symlinkSync(loop, loop);
    expect(folderRefusals(loop)).toEqual([
      { kind: "folder-unreadable", path: loop, reason: expect.stringMatching(/^a symlink loop/) as string },
    ]);
  });
});
