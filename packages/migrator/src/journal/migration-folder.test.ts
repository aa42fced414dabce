import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { folderRefusals } from "./testing/folder-refusals.ts";
import { migrationHash } from "./file-hash.ts";
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

/** Sets the tag of the journal entry at a position. */
function retag(dir: string, position: number, tag: string): void {
  const path = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(path, "utf8")) as { entries: { tag: string }[] };
  journal.entries[position]!.tag = tag;
  writeFileSync(path, JSON.stringify(journal));
}

describe("a journal tag", () => {
  it.each([
    ["a parent folder's file", "../outside", "outside the migrations folder"],
    ["a detour out through a subfolder", "sub/../../outside", "outside the migrations folder"],
    ["an absolute path, joined under the folder as Drizzle joins it", "/etc/outside", "in a subfolder"],
    ["a detour back into the folder", "sub/../0001_m1", ""],
    ["a Windows path", "..\\outside", ""],
  ])("that is a path (%s) is refused, naming the journal entry and the file it would read", (_, tag, where) => {
    const dir = journalFolder(["SELECT 1;", "SELECT 2;", "SELECT 3;"]);
    retag(dir, 1, tag);
    const journal = join(dir, "meta", "_journal.json");
    expect(folderRefusals(dir)).toEqual([
      { kind: "tag-not-a-file-name", tag, path: journal, position: 1, folder: dir },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${journal}: journal entry 1 has tag ${JSON.stringify(tag)}, which is not a plain file name: its SQL would be read from ${join(dir, `${tag}.sql`)}${where ? `, ${where}` : ""} (drizzle-orm's migrator would run that file). A tag is the name of a .sql file in the migrations folder`,
    );
  });

  it("that holds a NUL byte is refused, instead of failing on node's refusal of the path", () => {
    const dir = journalFolder(["SELECT 1;", "SELECT 2;"]);
    retag(dir, 1, "0001_m\u0000");
    expect(() => readMigrationFolder(dir)).toThrow(
      'journal entry 1 has tag "0001_m\\u0000", which is not a plain file name: it holds a NUL byte, which no file name can.',
    );
  });
});

describe("a migration's bytes", () => {
  it("leaves a UTF-8 byte order mark out of a file's SQL and hash, as it always did, and warns that drizzle-kit migrate would send it", () => {
    const dir = journalFolder(["SELECT 1;", "\uFEFFCREATE TABLE a (id int);"]);
    const read = readMigrationFolder(dir);
    expect(read.migrations[1]!.hash).toBe(migrationHash("CREATE TABLE a (id int);"));
    expect(read.migrations[1]!.sql).toBe("CREATE TABLE a (id int);");
    const file = join(dir, "0001_m1.sql");
    expect(read.warnings).toEqual([{ kind: "sql-starts-with-bom", tag: "0001_m1", path: file }]);
  });

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
  it("refuses a SQL file that is a broken symbolic link, naming where it points, not calling it missing", () => {
    const dir = journalFolder(["SELECT 1;", "SELECT 2;"]);
    const file = join(dir, "0001_m1.sql");
    rmSync(file);
    symlinkSync("../shared/0001_m1.sql", file);
    const target = join(dir, "..", "shared", "0001_m1.sql");
    expect(folderRefusals(dir)).toEqual([
      {
        kind: "sql-broken-link",
        tag: "0001_m1",
        path: file,
        reason: "a symbolic link to ../shared/0001_m1.sql, which does not exist",
        target: "../shared/0001_m1.sql",
      },
    ]);
    expect(() => readMigrationFolder(dir)).toThrow(
      `${file}: the SQL file of "0001_m1" is a symbolic link to ../shared/0001_m1.sql, which does not exist. Restore ${target}, or replace the link with the migration's SQL file itself.`,
    );
  });

  it("says a link to a broken link leads to nothing", () => {
    const dir = journalFolder(["SELECT 1;"]);
    const file = join(dir, "0000_m0.sql");
    rmSync(file);
    symlinkSync("middle.sql", file);
    symlinkSync("gone.sql", join(dir, "middle.sql"));
    expect(() => readMigrationFolder(dir)).toThrow("is a symbolic link to middle.sql, which leads to nothing.");
  });

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
      {
        kind: "journal-unreadable",
        path: journal,
        reason: `a symbolic link to ${join(dir, "gone.json")}, which does not exist`,
      },
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
