import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeFolderIssue } from "./folder-issue.ts";
import { readMigrationFolder } from "./migration-folder.ts";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The time of reading the tests give the reader: 2026-11-25T12:00:00Z. */
const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 60 * 60 * 1000;

/** A Drizzle Kit 0.x folder whose journal entries have these `when`s, in this order. */
function journalFolder(whens: number[]): string {
  root = mkdtempSync(join(tmpdir(), "future-when-"));
  mkdirSync(join(root, "meta"));
  const entries = whens.map((when, idx) => {
    const tag = `${String(idx).padStart(4, "0")}_m${idx}`;
    writeFileSync(join(root, `${tag}.sql`), `CREATE TABLE "t${idx}" ("id" integer);`);
    writeFileSync(
      join(root, "meta", `${tag.slice(0, 4)}_snapshot.json`),
      JSON.stringify({ id: `s${idx}`, tables: {} }),
    );
    return { idx, version: "7", when, tag, breakpoints: true };
  });
  writeFileSync(join(root, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  return root;
}

/** A Drizzle Kit 1.0 folder with these migration folders. */
function foldersLayout(names: string[]): string {
  root = mkdtempSync(join(tmpdir(), "future-when-"));
  for (const [i, name] of names.entries()) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "migration.sql"), `CREATE TABLE "t${i}" ("id" integer);`);
    writeFileSync(join(root, name, "snapshot.json"), JSON.stringify({ id: `s${i}`, version: "8", ddl: [] }));
  }
  return root;
}

describe("a migration whose when lies in the future", () => {
  it("is a warning naming the journal entry and its date, more than a day after the time of reading", () => {
    const future = Date.UTC(2027, 2, 1);
    const dir = journalFolder([NOW - HOUR, future]);
    const journal = join(dir, "meta", "_journal.json");
    const { warnings } = readMigrationFolder(dir, { now: NOW });
    expect(warnings).toEqual([
      { kind: "when-in-future", tag: "0001_m1", when: future, now: NOW, layout: "journal", path: journal },
    ]);
    const text = describeFolderIssue(warnings[0]!);
    expect(text).toContain(
      `journal entry "0001_m1" has when ${future} (2027-03-01T00:00:00.000Z), more than a day after`,
    );
    expect(text).toContain("every migration generated before 2027-03-01T00:00:00.000Z is older than it");
  });

  it("tolerates a day of clock skew: a when up to a day ahead is no warning", () => {
    const dir = journalFolder([NOW - HOUR, NOW + 23 * HOUR, NOW + 24 * HOUR]);
    expect(readMigrationFolder(dir, { now: NOW }).warnings).toEqual([]);
  });

  it("makes the next entry's when-not-increasing say the cause is the future when, not a branch merge", () => {
    const future = NOW + 90 * 24 * HOUR;
    const dir = journalFolder([NOW - 2 * HOUR, future, NOW - HOUR]);
    const { warnings } = readMigrationFolder(dir, { now: NOW });
    const notIncreasing = warnings.find((w) => w.kind === "when-not-increasing");
    expect(notIncreasing).toEqual({
      kind: "when-not-increasing",
      tag: "0002_m2",
      when: NOW - HOUR,
      previousTag: "0001_m1",
      previousWhen: future,
      previousInFuture: true,
    });
    expect(describeFolderIssue(notIncreasing!)).toContain(
      "whose when lies in the future (see its warning): not a branch merge",
    );
  });

  it("is a warning in Drizzle Kit 1.0's layout too, naming the folder and the time it is named for", () => {
    const dir = foldersLayout(["20261124000000_past", "20270301000000_ahead"]);
    const { warnings } = readMigrationFolder(dir, { now: NOW });
    expect(warnings).toEqual([
      {
        kind: "when-in-future",
        tag: "20270301000000_ahead",
        when: Date.UTC(2027, 2, 1),
        now: NOW,
        layout: "folders",
        path: join(dir, "20270301000000_ahead"),
      },
    ]);
    expect(describeFolderIssue(warnings[0]!)).toContain(
      'migration folder "20270301000000_ahead" is named for 2027-03-01T00:00:00.000Z, more than a day after',
    );
  });
});
