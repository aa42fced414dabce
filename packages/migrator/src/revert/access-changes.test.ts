import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { markAccessChanges } from "./access-changes.ts";
import { type ReplayedHistory, replayHistory } from "./replayed-history.ts";

let replayed: ReplayedHistory;
beforeAll(async () => {
  await loadParser();
  replayed = replayHistory([
    {
      tag: "0000_base",
      file: "0000_base.sql",
      sql: [
        'CREATE TABLE "doc" ("id" text PRIMARY KEY NOT NULL);',
        'CREATE TABLE "note" ("id" text PRIMARY KEY NOT NULL);',
        'ALTER TABLE "doc" ENABLE ROW LEVEL SECURITY;',
        'ALTER TABLE "note" ENABLE ROW LEVEL SECURITY;',
        'CREATE POLICY "doc_read" ON "doc" AS PERMISSIVE FOR SELECT TO "reader" USING (true);',
        `CREATE POLICY "doc_guard" ON "doc" AS RESTRICTIVE FOR ALL TO public USING ("id" <> 'x');`,
        'CREATE POLICY "note_read" ON "note" AS PERMISSIVE FOR SELECT TO "reader" USING (true);',
      ].join("\n--> statement-breakpoint\n"),
    },
  ]);
});

const changes = (sqls: string[], inTransaction = true) =>
  markAccessChanges(
    replayed,
    sqls.map((sql) => ({ sql, comments: [] })),
    { inTransaction },
  ).map((s) => s.accessChange);

describe("the statements of a revert that change who can read or write rows", () => {
  it("are its policies dropped or made, row-level security turned off or on, FORCE, and grants", () => {
    expect(
      changes([
        'DROP POLICY IF EXISTS "doc_guard" ON "doc";',
        'DROP POLICY IF EXISTS "doc_read" ON "doc";',
        'CREATE POLICY "doc_write" ON "doc" AS PERMISSIVE FOR INSERT TO "reader" WITH CHECK (true);',
        'ALTER TABLE "doc" NO FORCE ROW LEVEL SECURITY;',
        'ALTER TABLE "doc" DISABLE ROW LEVEL SECURITY;',
        'GRANT SELECT ON "doc" TO "reader";',
        'ALTER TABLE "doc" ADD COLUMN IF NOT EXISTS "title" text;',
      ]),
    ).toEqual([
      'drops RESTRICTIVE policy "doc_guard" on "doc" (FOR ALL TO PUBLIC): the rows it kept from them become reachable',
      'drops policy "doc_read" on "doc" (FOR SELECT TO "reader"): the rows only it let them reach become unreachable',
      'creates policy "doc_write" on "doc" (FOR INSERT TO "reader"): they reach the rows it lets through',
      'NO FORCE ROW LEVEL SECURITY on "doc": its owner bypasses its policies again',
      'turns row-level security off on "doc": its policies stop applying, every role with a privilege on it reads and writes every row',
      'grants: GRANT SELECT ON "doc" TO "reader"',
      undefined,
    ]);
  });

  it("leaves out row-level security turned on where it is on already", () => {
    expect(changes(['ALTER TABLE "doc" ENABLE ROW LEVEL SECURITY;'])).toEqual([undefined]);
  });

  it("leaves out what happens to a table the revert drops in its transaction, not outside one", () => {
    const sqls = [
      'DROP POLICY IF EXISTS "note_read" ON "note";',
      'ALTER TABLE "note" DISABLE ROW LEVEL SECURITY;',
      'DROP TABLE IF EXISTS "note";',
    ];
    expect(changes(sqls)).toEqual([undefined, undefined, undefined]);
    expect(changes(sqls, false).slice(0, 2)).toEqual([
      'drops policy "note_read" on "note" (FOR SELECT TO "reader"): the rows only it let them reach become unreachable',
      'turns row-level security off on "note": its policies stop applying, every role with a privilege on it reads and writes every row',
    ]);
  });
});
