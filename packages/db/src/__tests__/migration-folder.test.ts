import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  describeFolderIssue,
  type FolderIssue,
  folderSnapshotWarnings,
  RunnerError,
  migrationHash,
  readMigrationFolder,
} from "@repo/migrator";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../project.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";

let scratch: ScratchMigrations | undefined;
afterEach(() => scratch?.remove());

/** The refusals of a folder the reader rejects, and the untidiness it also found. */
function refusalOf(folder: string): { issues: FolderIssue[]; warnings: FolderIssue[] } {
  try {
    readMigrationFolder(folder);
  } catch (error) {
    if (error instanceof RunnerError && error.problem.kind === "folder-invalid") return error.problem;
    throw error;
  }
  throw new Error("the folder was accepted");
}

function issuesOf(folder: string): FolderIssue[] {
  return refusalOf(folder).issues;
}

describe("readMigrationFolder", () => {
  it("reads Trovella's history in journal order with Drizzle's hash of each whole file", () => {
    const folder = readMigrationFolder(MIGRATIONS_FOLDER);
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
      entries: { tag: string }[];
    };
    expect(folder.migrations.map((m) => m.tag)).toEqual(journal.entries.map((e) => e.tag));
    const first = folder.migrations[0]!;
    expect(first.hash).toBe(migrationHash(readFileSync(join(MIGRATIONS_FOLDER, `${first.tag}.sql`), "utf8")));
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("marks a migration whose first line is the no-transaction directive", () => {
    // Cut at 0010: the history's own 0011 is a no-transaction migration too.
    scratch = scratchMigrations(10);
    const tag = scratch.add(
      "concurrent_index",
      '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "x" ON "user" ("email");',
    );
    const folder = readMigrationFolder(scratch.dir);
    expect(folder.migrations.find((m) => m.tag === tag)?.noTransaction).toBe(true);
    expect(folder.migrations.filter((m) => m.noTransaction).map((m) => m.tag)).toEqual([tag]);
  });

  it("reports a folder without a journal", () => {
    scratch = scratchMigrations();
    rmSync(join(scratch.dir, "meta", "_journal.json"));
    expect(issuesOf(scratch.dir)).toEqual([
      { kind: "journal-missing", path: join(scratch.dir, "meta", "_journal.json") },
    ]);
  });

  it("reports a malformed journal", () => {
    scratch = scratchMigrations();
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), '{"entries": [');
    const issues = issuesOf(scratch.dir);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: "journal-malformed" });
  });

  it("refuses a when that is not a whole number of milliseconds, naming the entry (it is stored as a bigint)", () => {
    scratch = scratchMigrations();
    const entries = scratch.entries();
    const last = entries.at(-1)!;
    writeFileSync(
      join(scratch.dir, "meta", "_journal.json"),
      JSON.stringify({
        ...scratch.journal(),
        entries: entries.map((e) => (e === last ? { ...e, when: e.when + 0.5 } : e)),
      }),
    );
    expect(issuesOf(scratch.dir)).toEqual([
      {
        kind: "journal-malformed",
        path: join(scratch.dir, "meta", "_journal.json"),
        reason: expect.stringContaining(
          `entry ${entries.length - 1} ("${last.tag}") has when ${last.when + 0.5}, which is not a whole`,
        ),
      },
    ]);
  });

  it("reports a when past the last date JavaScript holds (it would crash every message that prints it as a date)", () => {
    scratch = scratchMigrations();
    const entries = scratch.entries();
    const last = entries.at(-1)!;
    const when = 8_700_000_000_000_000;
    writeFileSync(
      join(scratch.dir, "meta", "_journal.json"),
      JSON.stringify({ ...scratch.journal(), entries: entries.map((e) => (e === last ? { ...e, when } : e)) }),
    );
    expect(issuesOf(scratch.dir)).toEqual([
      {
        kind: "journal-malformed",
        path: join(scratch.dir, "meta", "_journal.json"),
        reason: expect.stringContaining(`entry ${entries.length - 1} ("${last.tag}") has when ${when}, which is not`),
      },
    ]);
  });

  it("reports every problem of a damaged folder at once: what stops it, and the untidiness beside it", () => {
    scratch = scratchMigrations();
    const entries = scratch.entries();
    const [third, fifth, seventh] = [entries[2]!, entries[4]!, entries[6]!];
    rmSync(join(scratch.dir, `${third.tag}.sql`));
    rmSync(join(scratch.dir, "meta", `${fifth.tag.split("_")[0]}_snapshot.json`));
    writeFileSync(join(scratch.dir, "9999_stray.sql"), "SELECT 1;");
    const journal = { entries: entries.map((e) => (e.tag === seventh.tag ? { ...e, when: entries[0]!.when } : e)) };
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), JSON.stringify(journal));
    const { issues, warnings } = refusalOf(scratch.dir);
    expect(issues).toEqual([{ kind: "sql-missing", tag: third.tag, path: join(scratch.dir, `${third.tag}.sql`) }]);
    expect(warnings).toEqual([
      {
        kind: "snapshot-missing",
        tag: fifth.tag,
        path: join(scratch.dir, "meta", `${fifth.tag.split("_")[0]}_snapshot.json`),
      },
      {
        kind: "when-not-increasing",
        tag: seventh.tag,
        when: entries[0]!.when,
        previousTag: entries[5]!.tag,
        previousWhen: entries[5]!.when,
      },
      { kind: "sql-not-in-journal", path: join(scratch.dir, "9999_stray.sql") },
    ]);
  });

  it("sees files as the file system does: a linked snapshot is there, a broken link is not, a folder is no SQL file", () => {
    scratch = scratchMigrations();
    const [first, second, third] = scratch.entries();
    const snapshot = (tag: string) => join(scratch!.dir, "meta", `${tag.split("_")[0]}_snapshot.json`);
    renameSync(snapshot(first!.tag), join(scratch.dir, "first-snapshot.json"));
    symlinkSync(join(scratch.dir, "first-snapshot.json"), snapshot(first!.tag));
    rmSync(snapshot(second!.tag));
    symlinkSync(join(scratch.dir, "gone.json"), snapshot(second!.tag));
    rmSync(join(scratch.dir, `${third!.tag}.sql`));
    mkdirSync(join(scratch.dir, `${third!.tag}.sql`));
    const { issues, warnings } = refusalOf(scratch.dir);
    expect(issues).toEqual([{ kind: "sql-missing", tag: third!.tag, path: join(scratch.dir, `${third!.tag}.sql`) }]);
    expect(warnings.filter((w) => w.kind === "snapshot-missing")).toEqual([
      { kind: "snapshot-missing", tag: second!.tag, path: snapshot(second!.tag) },
    ]);
  });

  it("refuses duplicate tags; idx out of order is untidiness the reader warns about", () => {
    scratch = scratchMigrations();
    const entries = scratch.entries();
    const duplicate = { ...entries[1]!, idx: entries.length, when: entries.at(-1)!.when + 1 };
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), JSON.stringify({ entries: [...entries, duplicate] }));
    expect(issuesOf(scratch.dir)).toEqual([{ kind: "duplicate-tag", tag: entries[1]!.tag }]);
    const swapped = entries.map((e, i) => ({ ...e, idx: i === 3 ? 4 : i === 4 ? 3 : i }));
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), JSON.stringify({ entries: swapped }));
    const folder = readMigrationFolder(scratch.dir);
    expect(folder.warnings.map((i) => i.kind)).toEqual(["idx-out-of-order", "idx-out-of-order"]);
    expect(folder.migrations.map((m) => m.tag)).toEqual(entries.map((e) => e.tag));
  });

  it("warns about a tag whose number is not its idx: the next generated migration would take an existing one's files", () => {
    scratch = scratchMigrations(9);
    // 0008 taken out of the journal by hand: 0009_add-document-chunk-table is now idx 8.
    const entries = scratch.entries().filter((e) => e.idx !== 8);
    const renumbered = entries.map((e) => (e.idx === 9 ? { ...e, idx: 8 } : e));
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), JSON.stringify({ entries: renumbered }));
    const folder = readMigrationFolder(scratch.dir);
    expect(folder.warnings.filter((w) => w.kind !== "sql-not-in-journal")).toEqual([
      { kind: "tag-number-mismatch", tag: "0009_add-document-chunk-table", idx: 8 },
    ]);
    expect(describeFolderIssue(folder.warnings.find((w) => w.kind === "tag-number-mismatch")!)).toMatch(
      /^journal entry "0009_add-document-chunk-table" has idx 8: its number is not its idx/,
    );
  });

  it("refuses an empty journal next to SQL files: they would never run", () => {
    scratch = scratchMigrations();
    const sqlFiles = scratch.entries().map((e) => `${e.tag}.sql`);
    writeFileSync(join(scratch.dir, "meta", "_journal.json"), JSON.stringify({ version: "7", entries: [] }));
    expect(issuesOf(scratch.dir)).toEqual([
      { kind: "journal-empty", path: join(scratch.dir, "meta", "_journal.json"), sqlFiles },
    ]);
  });

  it("refuses a file that is not UTF-8, naming the byte and the line", () => {
    scratch = scratchMigrations();
    const tag = scratch.add("latin1", "SELECT 1;\n-- caf\u00e9\n");
    const bytes = Buffer.concat([Buffer.from("SELECT 1;\n-- caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    writeFileSync(join(scratch.dir, `${tag}.sql`), bytes);
    expect(issuesOf(scratch.dir)).toEqual([
      { kind: "sql-not-utf8", tag, path: join(scratch.dir, `${tag}.sql`), offset: 16, line: 2 },
    ]);
    expect(() => readMigrationFolder(scratch!.dir)).toThrow(`${tag}.sql:2: byte 16 is not UTF-8`);
  });

  it("leaves a malformed snapshot to the commands that diff snapshots: no warning for applying, the reason when asked", () => {
    scratch = scratchMigrations();
    const fourth = scratch.entries()[3]!;
    const path = join(scratch.dir, "meta", `${fourth.tag.split("_")[0]}_snapshot.json`);
    writeFileSync(path, '<<<<<<< HEAD\n{"id": "a"}\n=======\n{"id": "b"}\n>>>>>>> branch\n');
    const folder = readMigrationFolder(scratch.dir);
    expect(folder.warnings).toEqual([]);
    expect(folder.migrations[3]!.snapshot).toBeUndefined();
    expect(folder.migrations[4]!.snapshot?.id).toEqual(expect.any(String));
    expect(folderSnapshotWarnings(folder)).toEqual([
      { kind: "snapshot-malformed", tag: fourth.tag, path, reason: expect.stringMatching(/JSON/) as string },
    ]);
  });

  it("says in its message what is wrong, where, and that nothing was applied", () => {
    scratch = scratchMigrations();
    const tag = scratch.entries()[2]!.tag;
    rmSync(join(scratch.dir, `${tag}.sql`));
    expect(() => readMigrationFolder(scratch!.dir)).toThrow(
      new RegExp(`nothing was applied:\\n  - .*${tag}\\.sql: missing SQL file for journal entry "${tag}"`),
    );
  });
});
