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

  it("passes a created function that runs no string, and one that is not called here", async () => {
    const plain =
      '-- Manual addition: a helper.\nCREATE OR REPLACE FUNCTION "tmp_count"() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM "organization"); END $$;\n--> statement-breakpoint\nSELECT "tmp_count"();';
    expect(await review(plain)).toEqual([]);
    const notCalled =
      '-- Manual addition: for the app.\nCREATE OR REPLACE FUNCTION "tmp_exec"(q text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE q; END $$;';
    expect(await review(notCalled)).toEqual([]);
  });

  it("passes a plain statement inside a DO block (drop-statement reads it)", async () => {
    const sql = '-- Manual addition: hostile.\nDO $$ BEGIN\n  DROP TABLE IF EXISTS "organization" CASCADE;\nEND $$;';
    expect(rules(await review(sql))).toEqual(["drop-statement"]);
  });

  it("is accepted with a reason above the DO block", async () => {
    const sql =
      "-- Manual addition: grant the role.\n-- review-ignore dynamic-sql: grants authenticated to the current user, nothing else\nDO $$ BEGIN\n  EXECUTE format('GRANT \"authenticated\" TO %I', current_user);\nEND $$;";
    expect(await review(sql)).toEqual([]);
  });
});
