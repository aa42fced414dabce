import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = ['CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);'];
const review = (sql: string) => reviewExample({ history, sql });
const rules = (findings: { rule: string }[]) => findings.map((f) => f.rule);

describe("dynamic-sql", () => {
  it("reports a DROP that a DO block builds with a string, which no other rule sees", async () => {
    const findings = await review(
      "-- Manual addition: hostile.\nDO $$ BEGIN\n  EXECUTE 'DROP TABLE IF EXISTS \"organization\" CASCADE';\nEND $$;",
    );
    expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ["dynamic-sql", 2, "this DO block runs SQL the review cannot read (EXECUTE): it cannot see what it does"],
    ]);
  });

  it("reports a loop over a query built at run time", async () => {
    const sql =
      "-- Manual addition: hostile.\nDO $$ DECLARE r record; BEGIN\n  FOR r IN EXECUTE 'SELECT 1' LOOP NULL; END LOOP;\nEND $$;";
    expect(rules(await review(sql))).toEqual(["dynamic-sql"]);
  });

  it("reports a cursor opened on a string, which may delete every row", async () => {
    const sql =
      "-- Manual addition: hostile.\nDO $$ DECLARE c refcursor; BEGIN\n  OPEN c FOR EXECUTE 'DELETE FROM \"organization\" RETURNING 1';\nEND $$;";
    expect((await review(sql)).map((f) => f.message)).toEqual([
      "this DO block runs SQL the review cannot read (OPEN … FOR): it cannot see what it does",
    ]);
  });

  it("reports a call of a function or procedure the migration creates, whose body runs a string", async () => {
    const fn = [
      "-- Manual addition: hostile.",
      'CREATE OR REPLACE FUNCTION "tmp_drop"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE \'DROP TABLE "organization" CASCADE\'; END $$;',
      '--> statement-breakpoint\nSELECT "tmp_drop"();',
    ].join("\n");
    expect((await review(fn)).map((f) => [f.rule, f.line, f.message])).toEqual([
      [
        "dynamic-sql",
        4,
        'calls "tmp_drop", which this migration creates and which runs SQL the review cannot read (EXECUTE): it cannot see what it does',
      ],
    ]);
    const procedure =
      '-- Manual addition: hostile.\nCREATE OR REPLACE PROCEDURE "tmp_proc"() LANGUAGE plpgsql AS $$ BEGIN EXECUTE \'TRUNCATE "organization"\'; END $$;\n--> statement-breakpoint\nCALL "tmp_proc"();';
    expect(rules(await review(procedure))).toEqual(["dynamic-sql"]);
  });

  it("reports a call of a function whose rows come from a string (RETURN QUERY EXECUTE)", async () => {
    const fn = [
      "-- Manual addition: hostile.",
      'CREATE OR REPLACE FUNCTION "tmp_rows"() RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE \'DELETE FROM "organization" RETURNING 1\'; END $$;',
      '--> statement-breakpoint\nSELECT "tmp_rows"();',
    ].join("\n");
    expect((await review(fn)).map((f) => f.message)).toEqual([
      'calls "tmp_rows", which this migration creates and which runs SQL the review cannot read (RETURN QUERY EXECUTE): it cannot see what it does',
    ]);
  });

  it("passes a created function that runs no string, and one that is not called here", async () => {
    const plain =
      '-- Manual addition: a helper.\nCREATE OR REPLACE FUNCTION "tmp_count"() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM "organization"); END $$;\n--> statement-breakpoint\nSELECT "tmp_count"();';
    expect(await review(plain)).toEqual([]);
    const notCalled =
      '-- Manual addition: for the app.\nCREATE OR REPLACE FUNCTION "tmp_exec"(q text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE q; END $$;';
    expect(await review(notCalled)).toEqual([]);
  });

  describe("a call of a routine an earlier migration created", () => {
    const opaque = (name: string, args = "") =>
      `-- Manual addition: a helper.\nCREATE OR REPLACE FUNCTION "${name}"(${args}) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'TRUNCATE "organization"'; END $$;`;
    const readable = (name: string, args = "") =>
      `-- Manual addition: a helper.\nCREATE OR REPLACE FUNCTION "${name}"(${args}) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;`;
    const later = (earlier: string[], sql: string) => reviewExample({ history: [...history, ...earlier], sql });

    it("is reported, naming the migration that created the routine", async () => {
      const findings = await later([opaque("tmp_wipe")], '-- Manual addition: hostile.\nSELECT "tmp_wipe"();');
      expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([
        [
          "dynamic-sql",
          2,
          'calls "tmp_wipe", which 0001_history.sql created and which runs SQL the review cannot read (EXECUTE): it cannot see what it does',
        ],
      ]);
      // PERFORM in a DO block and CALL of a procedure are calls too.
      const perform = '-- Manual addition: hostile.\nDO $$ BEGIN PERFORM "tmp_wipe"(); END $$;';
      expect(rules(await later([opaque("tmp_wipe")], perform))).toEqual(["dynamic-sql"]);
      const procedure =
        '-- Manual addition: a helper.\nCREATE PROCEDURE "tmp_proc"() LANGUAGE plpgsql AS $$ BEGIN EXECUTE \'TRUNCATE "organization"\'; END $$;';
      expect(rules(await later([procedure], '-- Manual addition: hostile.\nCALL "tmp_proc"();'))).toEqual([
        "dynamic-sql",
      ]);
    });

    it("follows the routine through a rename and an overload; passes it once dropped or replaced by a body the review reads", async () => {
      const call = (name: string) => `-- Manual addition: hostile.\nSELECT "${name}"(1);`;
      const renamed = [opaque("tmp_wipe", "n integer"), 'ALTER FUNCTION "tmp_wipe"(integer) RENAME TO "tmp_clear";'];
      expect(rules(await later(renamed, call("tmp_clear")))).toEqual(["dynamic-sql"]);
      expect(await later(renamed, call("tmp_wipe"))).toEqual([]);
      // Dropping one overload leaves the other.
      const overloads = [
        opaque("tmp_wipe", "n integer"),
        opaque("tmp_wipe", "t text"),
        'DROP FUNCTION "tmp_wipe"(integer);',
      ];
      expect(rules(await later(overloads, call("tmp_wipe")))).toEqual(["dynamic-sql"]);
      expect(await later([...overloads, 'DROP FUNCTION "tmp_wipe"(text);'], call("tmp_wipe"))).toEqual([]);
      expect(await later([opaque("tmp_wipe", "n integer"), 'DROP FUNCTION "tmp_wipe";'], call("tmp_wipe"))).toEqual([]);
      expect(
        await later([opaque("tmp_wipe", "n integer"), readable("tmp_wipe", "n integer")], call("tmp_wipe")),
      ).toEqual([]);
    });
  });

  it("passes a plain statement inside a DO block (drop-statement reads it)", async () => {
    const sql = '-- Manual addition: hostile.\nDO $$ BEGIN\n  DROP TABLE IF EXISTS "organization" CASCADE;\nEND $$;';
    expect(rules(await review(sql))).toEqual(["drop-statement"]);
  });

  it("passes a plain statement in an exception handler: drop-statement reads it like one in the body", async () => {
    const sql =
      '-- Manual addition: hostile.\nDO $$ BEGIN\n  PERFORM 1/0;\nEXCEPTION WHEN division_by_zero THEN\n  DROP TABLE "organization";\nEND $$;';
    expect((await review(sql)).map((f) => [f.rule, f.line, f.message])).toEqual([
      ["drop-statement", 5, 'DROP TABLE "organization" deletes it for good'],
    ]);
  });

  it("is accepted with a reason above the DO block", async () => {
    const sql =
      "-- Manual addition: grant the role.\n-- review-ignore dynamic-sql: grants authenticated to the current user, nothing else\nDO $$ BEGIN\n  EXECUTE format('GRANT \"authenticated\" TO %I', current_user);\nEND $$;";
    expect(await review(sql)).toEqual([]);
  });
});
