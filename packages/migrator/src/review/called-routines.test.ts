import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MigrationSource } from "./migration-source.ts";
import { ReviewCache } from "./review-cache.ts";
import { reviewMigrations } from "./review-migrations.ts";
import { EXAMPLE_CONFIG, reviewExample } from "./testing/review-example.ts";

/** Before the guard baseline, so that missing-guard stays out of these findings. */
const legacy = { ...EXAMPLE_CONFIG, guardBaseline: "9999" };

const history = ['CREATE TABLE "accounts" ("id" text);\n--> statement-breakpoint\nCREATE TABLE "orders" ("id" text);'];

const WIPE =
  'CREATE FUNCTION "wipe"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN\n  DROP TABLE "accounts";\n  DELETE FROM "orders";\nEND $$;';

const rulesAndLines = (findings: { rule: string; line: number }[]) => findings.map((f) => [f.rule, f.line]);

/** Migrations `0000_m.sql`, `0001_m.sql`… of these texts. */
const numbered = (texts: string[]): MigrationSource[] =>
  texts.map((text, i) => ({ tag: `000${i}_m`, file: `000${i}_m.sql`, text }));

/**
 * Reviews each history in turn with one review cache (parse trees of unchanged texts come from
 * it): the findings of each run's last migration.
 */
async function reviewedWithCache(histories: string[][]): Promise<{ rule: string; line: number }[][]> {
  const dir = mkdtempSync(join(tmpdir(), "called-routines-cache-"));
  try {
    const runs = [];
    for (const texts of histories) {
      const findings = await reviewMigrations(numbered(texts), {
        config: legacy,
        cache: new ReviewCache(dir),
        cacheScope: "history",
      });
      runs.push(findings.filter((f) => f.file === `000${texts.length - 1}_m.sql`));
    }
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the body of a routine the migration creates and then calls", () => {
  it.each([
    ["a SELECT", `${WIPE}\n--> statement-breakpoint\nSELECT "wipe"();`, 6],
    ["a PERFORM in a DO block", `${WIPE}\n--> statement-breakpoint\nDO $$ BEGIN\n  PERFORM "wipe"();\nEND $$;`, 7],
    [
      "a CALL of a procedure",
      'CREATE PROCEDURE "wipe"() LANGUAGE plpgsql AS $$ BEGIN DROP TABLE "accounts"; DELETE FROM "orders"; END $$;\n--> statement-breakpoint\nCALL "wipe"();',
      3,
    ],
    [
      "a LANGUAGE sql body",
      'CREATE FUNCTION "wipe"() RETURNS void LANGUAGE sql AS $$ DROP TABLE "accounts"; DELETE FROM "orders" $$;\n--> statement-breakpoint\nSELECT "wipe"();',
      3,
    ],
    [
      "a BEGIN ATOMIC body",
      'CREATE TABLE "scratch" ("id" text);\n--> statement-breakpoint\nCREATE PROCEDURE "wipe"() BEGIN ATOMIC DELETE FROM "orders"; DELETE FROM "scratch"; END;\n--> statement-breakpoint\nCALL "wipe"();',
      5,
    ],
  ])("is reviewed at the call, for %s", async (_call, sql, line) => {
    const findings = await reviewExample({ history, sql }, undefined, legacy);
    const expected = sql.includes("DROP TABLE")
      ? [
          ["drop-statement", line],
          ["delete-all-rows", line],
        ]
      : [["delete-all-rows", line]];
    expect(rulesAndLines(findings)).toEqual(expected);
  });

  it("is reported with the routine it is in, since the finding is on the call", async () => {
    const sql = `${WIPE}\n--> statement-breakpoint\nSELECT "wipe"();`;
    const findings = await reviewExample({ history, sql }, "drop-statement", legacy);
    expect(findings.map((f) => f.message)).toEqual([
      'DROP TABLE "accounts" deletes it for good (in the body of "wipe", which this statement runs)',
    ]);
  });

  it("of a routine only created (a trigger function) is not reviewed: it does not run in the migration", async () => {
    const sql = [
      'CREATE FUNCTION "purge"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "orders"; RETURN NEW; END $$;',
      "--> statement-breakpoint",
      'CREATE TRIGGER "purge" AFTER INSERT ON "accounts" FOR EACH ROW EXECUTE FUNCTION "purge"();',
    ].join("\n");
    expect(await reviewExample({ history, sql }, undefined, legacy)).toEqual([]);
  });

  it("changes the schema the later statements see: a table it creates is the migration's own", async () => {
    const sql = [
      'CREATE FUNCTION "stage"() RETURNS void LANGUAGE sql AS $$ CREATE TABLE "staging" ("id" text) $$;',
      "--> statement-breakpoint",
      'SELECT "stage"();',
      "--> statement-breakpoint",
      'DROP TABLE "staging";',
    ].join("\n");
    expect(await reviewExample({ history, sql }, "drop-statement", legacy)).toEqual([]);
  });

  it("is accepted by a review-ignore above the call, for the rules it names only", async () => {
    const sql = [
      WIPE,
      "--> statement-breakpoint",
      "-- review-ignore drop-statement: accounts moved out",
      'SELECT "wipe"();',
    ];
    const findings = await reviewExample({ history, sql: sql.join("\n") }, undefined, legacy);
    expect(rulesAndLines(findings)).toEqual([["delete-all-rows", 7]]);
  });

  it("is accepted by a review-ignore above the PERFORM, or above the DO block around it", async () => {
    const ignore = "-- review-ignore drop-statement: accounts moved out";
    const above = [WIPE, "--> statement-breakpoint", ignore, 'DO $$ BEGIN\n  PERFORM "wipe"();\nEND $$;'];
    const inside = [WIPE, "--> statement-breakpoint", `DO $$ BEGIN\n  ${ignore}\n  PERFORM "wipe"();\nEND $$;`];
    for (const sql of [above, inside]) {
      const findings = await reviewExample({ history, sql: sql.join("\n") }, undefined, legacy);
      expect(findings.map((f) => f.rule)).toEqual(["delete-all-rows"]);
    }
  });

  it("that calls a routine running SQL the review cannot read is reported like a DO block that does", async () => {
    const sql = [
      'CREATE FUNCTION "run"(q text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE q; END $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "tidy"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM "run"(\'DROP TABLE accounts\'); END $$;',
      "--> statement-breakpoint",
      'SELECT "tidy"();',
    ].join("\n");
    const findings = await reviewExample({ history, sql }, "dynamic-sql", legacy);
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        5,
        'calls "run", which this migration creates and which runs SQL the review cannot read (EXECUTE): it cannot see what it does (in the body of "tidy", which this statement runs)',
      ],
    ]);
  });

  it("is read once per call when routines call each other, and the review ends", async () => {
    const sql = [
      'CREATE FUNCTION "ping"(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "orders"; PERFORM "pong"(n); END $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "pong"(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF n > 0 THEN PERFORM "ping"(n - 1); END IF; END $$;',
      "--> statement-breakpoint",
      'SELECT "ping"(3);',
    ].join("\n");
    expect(rulesAndLines(await reviewExample({ history, sql }, undefined, legacy))).toEqual([["delete-all-rows", 5]]);
  });

  it("is reviewed under the routine's new name after ALTER FUNCTION … RENAME TO", async () => {
    const sql = `${WIPE}\n--> statement-breakpoint\nALTER FUNCTION "wipe"() RENAME TO "tidy";\n--> statement-breakpoint\nSELECT "tidy"();`;
    const findings = await reviewExample({ history, sql }, undefined, legacy);
    expect(findings.map((f) => [f.rule, f.line, f.message.replace(/^.*\(in/, "(in")])).toEqual([
      ["drop-statement", 8, '(in the body of "tidy", which this statement runs)'],
      ["delete-all-rows", 8, '(in the body of "tidy", which this statement runs)'],
    ]);
  });

  it("is reviewed for the expressions an ALTER TABLE runs on existing rows, and for EXPLAIN ANALYZE", async () => {
    const calls = [
      'ALTER TABLE "accounts" ADD COLUMN "x" text DEFAULT "wipe"();',
      'ALTER TABLE "orders" ADD CONSTRAINT "c" CHECK ("wipe"() IS NULL);',
      'EXPLAIN ANALYZE SELECT "wipe"();',
    ];
    for (const call of calls) {
      const findings = await reviewExample(
        { history, sql: `${WIPE}\n--> statement-breakpoint\n${call}` },
        "drop-statement",
        legacy,
      );
      expect(rulesAndLines(findings), call).toEqual([["drop-statement", 6]]);
    }
  });

  it("fails closed on a chain of calls deeper than the review's stack: the call is a parse error, not a statement doing nothing", async () => {
    const functions = Array.from(
      { length: 4000 },
      (_, i) =>
        `CREATE FUNCTION "f${i}"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ${i === 0 ? 'DELETE FROM "orders";' : `PERFORM "f${i - 1}"();`} END $$;`,
    );
    const sql = [...functions, 'SELECT "f3999"();'].join("\n--> statement-breakpoint\n");
    const findings = await reviewExample({ history, sql }, undefined, legacy);
    const [finding] = findings;
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      [expect.stringMatching(/^(parse-error|delete-all-rows)$/), 8001],
    ]);
    // The stack runs out in the chain, not in the calling statement's own expression.
    if (finding?.rule === "parse-error")
      expect(finding.message).toMatch(
        /^the review cannot read this statement: the chain of routine calls it makes \("f3999" → "f3998" → "f3997" → …\) runs deeper than the review's stack \(it ran out \d+ calls deep; PostgreSQL may still run it\)$/,
      );
    else expect(finding?.message).toContain('(in the body of "f0", which this statement runs)');
  }, 60_000);
});

describe("the body of a routine an earlier migration created, called by a later one", () => {
  /** `history` then the migration creating "wipe" (0002_history.sql, line 1). */
  const withWipe = (...later: string[]) => [...history, WIPE, ...later];
  const suffix = '(in the body of "wipe" from 0001_history.sql:1, which this statement runs)';

  it.each([
    ["a SELECT", 'SELECT "wipe"();', 1],
    ["a PERFORM in a DO block", 'DO $$ BEGIN\n  PERFORM "wipe"();\nEND $$;', 2],
    ["an assignment in a DO block", 'DO $$ DECLARE r text; BEGIN\n  r := "wipe"()::text;\nEND $$;', 2],
    ["EXPLAIN ANALYZE", 'EXPLAIN ANALYZE SELECT "wipe"();', 1],
    ["an ALTER TABLE's new default", 'ALTER TABLE "orders" ADD COLUMN "x" text DEFAULT "wipe"();', 1],
  ])("is reviewed at the call, for %s, naming where the body comes from", async (_call, sql, line) => {
    const findings = await reviewExample({ history: withWipe(), sql }, undefined, legacy);
    expect(findings.map((f) => [f.rule, f.line, f.message.replace(/^.*\(in/, "(in")])).toEqual([
      ["drop-statement", line, suffix],
      ["delete-all-rows", line, suffix],
    ]);
  });

  it("is reviewed for a procedure, and for a LANGUAGE sql body", async () => {
    const earlier = [
      ...history,
      'CREATE PROCEDURE "archive"() LANGUAGE plpgsql AS $$ BEGIN DROP TABLE "accounts"; END $$;',
      'CREATE FUNCTION "clear"() RETURNS void LANGUAGE sql AS $$ DROP TABLE "orders" $$;',
    ];
    const findings = await reviewExample(
      { history: earlier, sql: 'CALL "archive"();\n--> statement-breakpoint\nSELECT "clear"();' },
      undefined,
      legacy,
    );
    expect(rulesAndLines(findings)).toEqual([
      ["drop-statement", 1],
      ["drop-statement", 3],
    ]);
  });

  it("is the body of the routine's last CREATE OR REPLACE, in an earlier migration or before the call", async () => {
    const tame = 'CREATE OR REPLACE FUNCTION "wipe"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "orders" $$;';
    const replacedEarlier = await reviewExample(
      { history: withWipe(tame), sql: 'SELECT "wipe"();' },
      undefined,
      legacy,
    );
    const replacedHere = await reviewExample(
      { history: withWipe(), sql: `${tame}\n--> statement-breakpoint\nSELECT "wipe"();` },
      undefined,
      legacy,
    );
    expect(rulesAndLines(replacedEarlier)).toEqual([["delete-all-rows", 1]]);
    expect(replacedEarlier[0]?.message).toContain('(in the body of "wipe" from 0002_history.sql:1,');
    expect(rulesAndLines(replacedHere)).toEqual([["delete-all-rows", 3]]);
    expect(replacedHere[0]?.message).toContain('(in the body of "wipe", which this statement runs)');
  });

  it("is not read once the routine is dropped, in an earlier migration or before the call", async () => {
    for (const drop of ['DROP FUNCTION "wipe"();', 'DROP FUNCTION IF EXISTS "wipe";', 'DROP ROUTINE "wipe"']) {
      const droppedEarlier = await reviewExample(
        { history: withWipe(drop), sql: 'SELECT "wipe"();' },
        undefined,
        legacy,
      );
      const droppedHere = await reviewExample(
        { history: withWipe(), sql: `${drop}\n--> statement-breakpoint\nSELECT "wipe"();` },
        undefined,
        legacy,
      );
      // The DROP itself is a drop-statement finding; nothing is read of the body.
      const fromBodies = (findings: { message: string }[]) =>
        findings.filter((f) => f.message.includes("(in the body"));
      expect([droppedEarlier, droppedHere].map(fromBodies), drop).toEqual([[], []]);
      expect(droppedEarlier).toEqual([]);
    }
  });

  it("follows a rename (earlier or before the call) under the new name only, and a SET SCHEMA under the same name", async () => {
    const rename = 'ALTER FUNCTION "wipe"() RENAME TO "tidy";';
    const calls = 'SELECT "wipe"();\n--> statement-breakpoint\nSELECT "tidy"();';
    const renamedEarlier = await reviewExample({ history: withWipe(rename), sql: calls }, "drop-statement", legacy);
    const renamedHere = await reviewExample(
      { history: withWipe(), sql: `${rename}\n--> statement-breakpoint\n${calls}` },
      "drop-statement",
      legacy,
    );
    const moved = await reviewExample(
      { history: withWipe('ALTER FUNCTION "wipe"() SET SCHEMA "archive";'), sql: 'SELECT "archive"."wipe"();' },
      "drop-statement",
      legacy,
    );
    expect([renamedEarlier, renamedHere, moved].map(rulesAndLines)).toEqual([
      [["drop-statement", 3]],
      [["drop-statement", 5]],
      [["drop-statement", 1]],
    ]);
    expect(renamedEarlier[0]?.message).toContain('(in the body of "tidy" from 0001_history.sql:1,');
  });

  it("reads every overload of the name, as for the migration's own routines, until one is dropped", async () => {
    const overloads = [
      ...history,
      'CREATE FUNCTION "purge"(n int) RETURNS void LANGUAGE sql AS $$ DROP TABLE "accounts" $$;',
      'CREATE FUNCTION "purge"(n text) RETURNS void LANGUAGE sql AS $$ DROP TABLE "orders" $$;',
    ];
    const messages = (findings: { message: string }[]) => findings.map((f) => f.message.replace(/ \(in.*/, ""));
    const both = await reviewExample({ history: overloads, sql: 'SELECT "purge"(1);' }, "drop-statement", legacy);
    const one = await reviewExample(
      { history: [...overloads, 'DROP FUNCTION "purge"(text);'], sql: 'SELECT "purge"(1);' },
      "drop-statement",
      legacy,
    );
    expect([messages(both), messages(one)]).toEqual([
      ['DROP TABLE "accounts" deletes it for good', 'DROP TABLE "orders" deletes it for good'],
      ['DROP TABLE "accounts" deletes it for good'],
    ]);
  });

  it("follows the chain of calls through routines of several migrations and of the calling one", async () => {
    const earlier = [
      ...history,
      'CREATE FUNCTION "inner"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE "accounts"; END $$;',
      'CREATE FUNCTION "outer"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM "inner"(); PERFORM "mine"(); END $$;',
    ];
    const sql = [
      'CREATE FUNCTION "mine"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "orders" $$;',
      "--> statement-breakpoint",
      'SELECT "outer"();',
    ].join("\n");
    const findings = await reviewExample({ history: earlier, sql }, undefined, legacy);
    expect(findings.map((f) => [f.rule, f.line, f.message.replace(/^.*\(in/, "(in")])).toEqual([
      ["drop-statement", 3, '(in the body of "inner" from 0001_history.sql:1, which this statement runs)'],
      ["delete-all-rows", 3, '(in the body of "mine", which this statement runs)'],
    ]);
  });

  it("changes the schema later statements see, and leaves a call of a routine no migration created (a builtin, an extension's) as it was", async () => {
    const earlier = [
      ...history,
      'CREATE FUNCTION "stage"() RETURNS void LANGUAGE sql AS $$ CREATE TABLE "staging" ("id" text) $$;',
    ];
    const sql = [
      'SELECT "stage"(), now(), gen_random_uuid(), "uuid_generate_v4"();',
      "--> statement-breakpoint",
      'DROP TABLE "staging";',
    ].join("\n");
    expect(await reviewExample({ history: earlier, sql }, undefined, legacy)).toEqual([]);
  });

  it("is accepted by a review-ignore above the call", async () => {
    const sql = '-- review-ignore drop-statement: accounts moved out\nSELECT "wipe"();';
    const findings = await reviewExample({ history: withWipe(), sql }, undefined, legacy);
    expect(rulesAndLines(findings)).toEqual([["delete-all-rows", 2]]);
  });
});

describe("which routine a call runs", () => {
  const schemas = [...history, 'CREATE SCHEMA "a";\n--> statement-breakpoint\nCREATE SCHEMA "b";'];
  const dropsAccounts = (name: string) =>
    `CREATE FUNCTION ${name}() RETURNS void LANGUAGE sql AS $$ DROP TABLE "accounts" $$;`;
  const doesNothing = (name: string) => `CREATE FUNCTION ${name}() RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;`;
  const bodies = (findings: { rule: string; message: string }[]) =>
    findings.map((f) => [f.rule, f.message.replace(/^.*\(in the body of ("\w+")( from \S+)?,.*$/, "$1")]);

  it("tells apart routines of one name in two schemas: a later one replaces neither, and a DROP of another schema's leaves them", async () => {
    const earlier = [...schemas, dropsAccounts('"a"."cleanup"'), doesNothing('"b"."cleanup"')];
    for (const later of [[], ['DROP FUNCTION IF EXISTS "public"."cleanup"();']]) {
      const replayed = [...earlier, ...later];
      const calls = ['SELECT "a"."cleanup"();', 'SELECT "b"."cleanup"();', 'SELECT "cleanup"();'];
      const found = await Promise.all(calls.map((sql) => reviewExample({ history: replayed, sql }, undefined, legacy)));
      // An unqualified call may run either schema's: both bodies are read.
      expect(found.map(bodies), later.join()).toEqual([
        [["drop-statement", '"cleanup"']],
        [],
        [["drop-statement", '"cleanup"']],
      ]);
    }
  });

  it("tells the schemas apart within the calling migration too, and follows a routine to the schema SET SCHEMA moves it to", async () => {
    const sql = [
      dropsAccounts('"a"."cleanup"'),
      doesNothing('"b"."cleanup"'),
      'DROP FUNCTION "public"."cleanup"();',
      'SELECT "a"."cleanup"();',
      'ALTER FUNCTION "a"."cleanup"() SET SCHEMA "b";',
      'SELECT "a"."cleanup"();',
      'SELECT "b"."cleanup"();',
    ].join("\n--> statement-breakpoint\n");
    const findings = await reviewExample({ history: schemas, sql }, "drop-statement", legacy);
    expect(rulesAndLines(findings)).toEqual([
      ["drop-statement", 7],
      ["drop-statement", 13],
    ]);
  });

  it("is read again from a cached run's parse tree once an earlier migration moves the routine to another schema", async () => {
    const moved = (move: string) => [...schemas, dropsAccounts('"a"."cleanup"'), move, 'SELECT "a"."cleanup"();'];
    const runs = await reviewedWithCache([moved("SELECT 1;"), moved('ALTER FUNCTION "a"."cleanup"() SET SCHEMA "b";')]);
    expect(runs.map(rulesAndLines)).toEqual([[["drop-statement", 1]], []]);
  });

  it("is the routine a RENAME or DROP names with its argument types spelled another way", async () => {
    const created =
      'CREATE FUNCTION "cleanup"(n int, t text) RETURNS void LANGUAGE sql AS $$ DROP TABLE "accounts" $$;';
    const renamed = await reviewExample(
      {
        history: [...history, created, 'ALTER FUNCTION "cleanup"(int4, pg_catalog.text) RENAME TO "purge";'],
        sql: "SELECT \"purge\"(1, 'x');\n--> statement-breakpoint\nSELECT \"cleanup\"(1, 'x');",
      },
      "drop-statement",
      legacy,
    );
    const dropped = await reviewExample(
      { history: [...history, created, 'DROP FUNCTION "cleanup"(integer, text);'], sql: "SELECT \"cleanup\"(1, 'x');" },
      "drop-statement",
      legacy,
    );
    expect([rulesAndLines(renamed), dropped]).toEqual([[["drop-statement", 1]], []]);
  });

  it("follows a RENAME whose argument types the review cannot match (a %TYPE) under both names", async () => {
    const earlier = [
      ...history,
      'CREATE FUNCTION "cleanup"(n "accounts"."id"%TYPE) RETURNS void LANGUAGE sql AS $$ DROP TABLE "orders" $$;',
      'ALTER FUNCTION "cleanup"(text) RENAME TO "purge";',
    ];
    const sql = "SELECT \"purge\"('x');\n--> statement-breakpoint\nSELECT \"cleanup\"('x');";
    const findings = await reviewExample({ history: earlier, sql }, "drop-statement", legacy);
    expect(findings.map((f) => [f.line, ...bodies([f])[0]!.slice(1)])).toEqual([
      [1, '"purge"'],
      [3, '"cleanup"'],
    ]);
  });
});

describe("the body of a SQL-standard routine (RETURN, BEGIN ATOMIC)", () => {
  const wipe = 'CREATE FUNCTION "wipe"() RETURNS int LANGUAGE sql AS $$ DELETE FROM "orders" RETURNING 1 $$;';

  it.each([
    ["RETURN", 'CREATE FUNCTION "f"() RETURNS int LANGUAGE sql RETURN "wipe"() + 1;'],
    [
      "a RETURN in BEGIN ATOMIC",
      'CREATE FUNCTION "f"() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; RETURN "wipe"(); END;',
    ],
    ["a statement of BEGIN ATOMIC", 'CREATE FUNCTION "f"() RETURNS int BEGIN ATOMIC SELECT "wipe"(); RETURN 1; END;'],
  ])("follows the calls of %s, in this migration or a later one", async (_where, create) => {
    const here = await reviewExample(
      { history, sql: [wipe, create, 'SELECT "f"();'].join("\n--> statement-breakpoint\n") },
      undefined,
      legacy,
    );
    const later = await reviewExample({ history: [...history, wipe, create], sql: 'SELECT "f"();' }, undefined, legacy);
    expect([rulesAndLines(here), rulesAndLines(later)]).toEqual([[["delete-all-rows", 5]], [["delete-all-rows", 1]]]);
    expect(later[0]?.message).toContain('(in the body of "wipe" from 0001_history.sql:1, which this statement runs)');
  });

  it("fails the call closed when the review's parser rejects a statement of the body (PostgreSQL took it unchecked)", async () => {
    const unchecked = [
      "SET check_function_bodies = off;",
      'CREATE FUNCTION "broken"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "orders"; DELET FROM "accounts" $$;',
      'CREATE FUNCTION "pbroken"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "orders"; DELET FROM "accounts"; END $$;',
    ].join("\n--> statement-breakpoint\n");
    for (const routine of ["broken", "pbroken"]) {
      const findings = await reviewExample(
        { history: [...history, unchecked], sql: `-- Tidy up.\nSELECT "${routine}"();` },
        undefined,
        legacy,
      );
      expect(findings.map((f) => [f.rule, f.line, f.message])).toEqual([
        [
          "parse-error",
          2,
          expect.stringMatching(
            new RegExp(
              `^the review cannot read this statement: its parser rejects the body of "${routine}" from 0001_history\\.sql:\\d, which the statement runs: syntax error at or near "DELET"`,
            ),
          ),
        ],
      ]);
    }
  });
});

describe("a query an earlier migration prepared, executed by a later one (the runner's session keeps it)", () => {
  const withPrepared = (...later: string[]) => [
    ...history,
    `${WIPE}\n--> statement-breakpoint\nPREPARE "q" AS SELECT "wipe"();`,
    ...later,
  ];

  it("runs the routines it calls at the EXECUTE", async () => {
    const findings = await reviewExample({ history: withPrepared(), sql: 'EXECUTE "q";' }, undefined, legacy);
    expect(rulesAndLines(findings)).toEqual([
      ["drop-statement", 1],
      ["delete-all-rows", 1],
    ]);
  });

  it("runs nothing once deallocated, by name or all at once, in an earlier migration or before the EXECUTE", async () => {
    for (const deallocate of ['DEALLOCATE "q";', "DEALLOCATE ALL;"]) {
      const earlier = await reviewExample(
        { history: withPrepared(deallocate), sql: 'EXECUTE "q";' },
        undefined,
        legacy,
      );
      const here = await reviewExample(
        { history: withPrepared(), sql: `${deallocate}\n--> statement-breakpoint\nEXECUTE "q";` },
        undefined,
        legacy,
      );
      expect([earlier, here], deallocate).toEqual([[], []]);
    }
  });

  it("is read again from a cached run's parse tree only while the query it executes is as prepared then", async () => {
    const prepared = (prepare: string) => [...history, `${WIPE}\n--> statement-breakpoint\n${prepare}`, 'EXECUTE "q";'];
    // First none prepared, then one that calls nothing: each time, the last migration's tree is kept.
    for (const first of ["SELECT 1;", 'PREPARE "q" AS SELECT 1;']) {
      const [, warm] = await reviewedWithCache([prepared(first), prepared('PREPARE "q" AS SELECT "wipe"();')]);
      expect(rulesAndLines(warm ?? []), first).toEqual([
        ["drop-statement", 1],
        ["delete-all-rows", 1],
      ]);
    }
  });
});
