/**
 * How bookkeeping rows are matched to the folder's migrations when two migrations have the same
 * SQL (every `drizzle-kit generate --custom` file starts alike) and one of them has left the
 * journal: each row goes to the migration whose `when` it records, and only a row that repeats a
 * matched row's hash and `when` is a second run of it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import type { AppliedRow } from "./bookkeeping.ts";
import { compareHistory } from "./history-state.ts";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

const WHEN = 1_790_000_000_000;

/** A 0.x folder whose journal lists the given migrations (tag, SQL), each at `WHEN + its number`. */
function folderOf(migrations: [number, string][]) {
  root = mkdtempSync(join(tmpdir(), "history-state-"));
  mkdirSync(join(root, "meta"));
  const entries = migrations.map(([n, sql], idx) => {
    const tag = `${String(n).padStart(4, "0")}_m${n}`;
    writeFileSync(join(root, `${tag}.sql`), sql);
    return { idx, version: "7", when: WHEN + n, tag, breakpoints: true };
  });
  writeFileSync(join(root, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  return readMigrationFolder(root);
}

const CUSTOM = "-- Custom SQL migration file, put your code below! --\n";

describe("matching rows when a migration of the same SQL left the journal", () => {
  // 0000, 0001 and 0002 were applied; 0001 and 0002 hold the same SQL; 0001's entry was then removed.
  const applied = (hashOf: (n: number) => string): AppliedRow[] =>
    [0, 1, 2].map((n) => ({ id: n + 1, hash: hashOf(n), createdAt: WHEN + n }));

  it("gives each migration the row that records its when, and calls the removed one's row unknown, not a second run", () => {
    const full = folderOf([
      [0, "CREATE TABLE a (id int);"],
      [1, CUSTOM],
      [2, CUSTOM],
    ]);
    const rows = applied((n) => full.migrations[n]!.hash);
    const folder = folderOf([
      [0, "CREATE TABLE a (id int);"],
      [2, CUSTOM],
    ]);
    const state = compareHistory(folder, rows);
    expect(state.migrations.map((m) => [m.migration.tag, m.state, "row" in m ? m.row.id : undefined])).toEqual([
      ["0000_m0", "applied", 1],
      ["0002_m2", "applied", 3],
    ]);
    expect(state.unknown).toEqual([rows[1]]);
  });

  it("still calls a row that repeats a matched row's hash and when a second run of that migration", () => {
    const folder = folderOf([
      [0, "CREATE TABLE a (id int);"],
      [2, CUSTOM],
    ]);
    const [first, second] = folder.migrations;
    const rows: AppliedRow[] = [
      { id: 1, hash: first!.hash, createdAt: first!.when },
      { id: 2, hash: second!.hash, createdAt: second!.when },
      { id: 3, hash: second!.hash, createdAt: second!.when },
    ];
    const state = compareHistory(folder, rows);
    expect(state.migrations.map((m) => m.state)).toEqual(["applied", "applied"]);
    expect(state.unknown).toEqual([{ ...rows[2], duplicateOf: "0002_m2" }]);
  });
});
