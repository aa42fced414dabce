import { beforeAll, describe, expect, it, vi } from "vitest";
import { type EarlierRoutine, loadParser, type ParsedMigration, parseMigration } from "./parse-migration.ts";
import { pgQuery } from "./pg-query.ts";

beforeAll(loadParser);

const parse = (lines: string[]) => parseMigration("0000_a", "0000_a.sql", lines.join("\n"), { followCalls: true });

/** Each statement's units as `[text, line, routine]`: where the review sees them and whose body they are from. */
const placed = (migration: ParsedMigration) =>
  migration.statements.map((statement) =>
    statement.units.map((unit) => [unit.text, migration.positionAt(unit.offset).line, unit.routine]),
  );

const WIPE =
  'CREATE FUNCTION "wipe"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE "accounts"; DELETE FROM "orders"; END $$;';

describe("a routine the migration creates and then calls", () => {
  it("runs its body at the call: the body's statements are units of the calling statement, placed at the call", () => {
    const migration = parse([WIPE, "--> statement-breakpoint", "-- Empty the books.", 'SELECT "wipe"();']);
    expect(placed(migration)).toEqual([
      [
        [
          'CREATE FUNCTION "wipe"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE "accounts"; DELETE FROM "orders"; END $$',
          1,
          undefined,
        ],
      ],
      [
        ['SELECT "wipe"()', 4, undefined],
        ['DROP TABLE "accounts"', 4, "wipe"],
        ['DELETE FROM "orders"', 4, "wipe"],
      ],
    ]);
    const [, drop] = migration.statements[1]?.units ?? [];
    // Every parse-tree location of a body statement maps to the call, and it runs inside a routine.
    expect([drop?.source, drop?.sourceOffset, drop?.offset]).toEqual([
      "",
      drop?.offset,
      migration.statements[1]?.units[0]?.offset,
    ]);
    expect(drop?.guards).toEqual({ inDoBlock: true, handles: [], conditional: false });
  });

  it("is read only when calls are followed (the review): otherwise the units are the statements the file spells out", () => {
    const text = [WIPE, "--> statement-breakpoint", 'SELECT "wipe"();'].join("\n");
    const units = parseMigration("0000_a", "0000_a.sql", text).statements[1]?.units;
    expect(units?.map((unit) => unit.text)).toEqual(['SELECT "wipe"()']);
  });

  it("adds nothing for a routine only created (a trigger function runs later, not in the migration)", () => {
    const migration = parse([
      'CREATE FUNCTION "purge"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "orders"; RETURN NEW; END $$;',
      "--> statement-breakpoint",
      'CREATE TRIGGER "purge" AFTER INSERT ON "accounts" FOR EACH ROW EXECUTE FUNCTION "purge"();',
      "--> statement-breakpoint",
      'CREATE POLICY "p" ON "accounts" USING ("purge"() IS NULL);',
    ]);
    expect(migration.statements.map((statement) => statement.units.length)).toEqual([1, 1, 1]);
  });

  it("reads a call made before the routine is created as calling nothing of the migration's", () => {
    const migration = parse(['SELECT "wipe"();', "--> statement-breakpoint", WIPE]);
    expect(migration.statements[0]?.units.map((unit) => unit.type)).toEqual(["SelectStmt"]);
  });

  it("runs the body of a PERFORM in a DO block under the block's guards, placed at the PERFORM", () => {
    const migration = parse([
      WIPE,
      "--> statement-breakpoint",
      "DO $$ BEGIN",
      '  IF EXISTS (SELECT 1 FROM "accounts") THEN',
      '    PERFORM "wipe"();',
      "  END IF;",
      "EXCEPTION WHEN undefined_table THEN NULL;",
      "END $$;",
    ]);
    const units = migration.statements[1]?.units ?? [];
    expect(units.map((unit) => [unit.text, migration.positionAt(unit.offset), unit.guards])).toEqual([
      [expect.stringMatching(/^DO/), { line: 3, column: 1 }, { inDoBlock: false, handles: [], conditional: false }],
      ['SELECT "wipe"()', { line: 5, column: 5 }, { inDoBlock: true, handles: ["undefined_table"], conditional: true }],
      [
        'DROP TABLE "accounts"',
        { line: 5, column: 5 },
        { inDoBlock: true, handles: ["undefined_table"], conditional: true },
      ],
      [
        'DELETE FROM "orders"',
        { line: 5, column: 5 },
        { inDoBlock: true, handles: ["undefined_table"], conditional: true },
      ],
    ]);
  });

  it("runs a procedure's body at its CALL, at the top level or in a DO block", () => {
    const migration = parse([
      'CREATE PROCEDURE "archive"() LANGUAGE plpgsql AS $$ BEGIN TRUNCATE "orders"; END $$;',
      "--> statement-breakpoint",
      'CALL "archive"();',
      "--> statement-breakpoint",
      'DO $$ BEGIN\n  CALL "archive"();\nEND $$;',
    ]);
    expect(placed(migration).slice(1)).toEqual([
      [
        ['CALL "archive"()', 3, undefined],
        ['TRUNCATE "orders"', 3, "archive"],
      ],
      [
        [expect.stringMatching(/^DO/), 5, undefined],
        ['TRUNCATE "orders"', 6, "archive"],
      ],
    ]);
  });

  it("reads a LANGUAGE sql body, as a string or BEGIN ATOMIC", () => {
    const migration = parse([
      'CREATE FUNCTION "clear"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "orders" $$;',
      "--> statement-breakpoint",
      'CREATE PROCEDURE "drain"() LANGUAGE sql BEGIN ATOMIC DELETE FROM "accounts"; DELETE FROM "orders"; END;',
      "--> statement-breakpoint",
      'SELECT "clear"();',
      "--> statement-breakpoint",
      'CALL "drain"();',
    ]);
    expect(placed(migration).slice(2)).toEqual([
      [
        ['SELECT "clear"()', 5, undefined],
        ['DELETE FROM "orders"', 5, "clear"],
      ],
      [
        ['CALL "drain"()', 7, undefined],
        ['DELETE FROM "accounts"', 7, "drain"],
        ['DELETE FROM "orders"', 7, "drain"],
      ],
    ]);
  });

  it("follows the routines a body calls, and reads each once per call: recursion ends", () => {
    const migration = parse([
      'CREATE FUNCTION "ping"(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "a"; PERFORM "pong"(n - 1); PERFORM "ping"(n - 1); END $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "pong"(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "b"; IF n > 0 THEN PERFORM "ping"(n); END IF; END $$;',
      "--> statement-breakpoint",
      'SELECT "ping"(3), "pong"(3);',
    ]);
    expect(migration.statements[2]?.units.map((unit) => [unit.text, unit.routine])).toEqual([
      ['SELECT "ping"(3), "pong"(3)', undefined],
      ['DELETE FROM "a"', "ping"],
      ['SELECT "pong"(n - 1)', "ping"],
      ['DELETE FROM "b"', "pong"],
      ['SELECT "ping"(n)', "pong"],
      ['SELECT "ping"(n - 1)', "ping"],
    ]);
  });

  it("matches a call by name: every overload's body is read, a replaced one's no longer, a dropped one's not at all", () => {
    const migration = parse([
      'CREATE FUNCTION "f"(x int) RETURNS void LANGUAGE sql AS $$ DELETE FROM "a" $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "f"(x text) RETURNS void LANGUAGE sql AS $$ DELETE FROM "b" $$;',
      "--> statement-breakpoint",
      'CREATE OR REPLACE FUNCTION "f"(x integer) RETURNS void LANGUAGE sql AS $$ DELETE FROM "c" $$;',
      "--> statement-breakpoint",
      'SELECT "f"(1);',
      "--> statement-breakpoint",
      'DROP FUNCTION "f"(text);',
      "--> statement-breakpoint",
      'SELECT "f"(2);',
      "--> statement-breakpoint",
      'DROP FUNCTION "f";',
      "--> statement-breakpoint",
      'SELECT "f"(3);',
    ]);
    const texts = (index: number) => migration.statements[index]?.units.slice(1).map((unit) => unit.text);
    expect([texts(3), texts(5), texts(7)]).toEqual([['DELETE FROM "b"', 'DELETE FROM "c"'], ['DELETE FROM "c"'], []]);
  });

  it("reads a routine created in the same statement or in a DO block, and a call in an assignment", () => {
    const migration = parse([
      'CREATE FUNCTION "g"() RETURNS int LANGUAGE sql AS $$ DELETE FROM "a" RETURNING 1 $$; SELECT "g"();',
      "--> statement-breakpoint",
      "DO $$ DECLARE n int; BEGIN",
      '  CREATE FUNCTION "h"() RETURNS int LANGUAGE sql AS $h$ DELETE FROM "b" RETURNING 1 $h$;',
      '  n := "h"();',
      "END $$;",
    ]);
    expect(placed(migration)).toEqual([
      [
        [expect.stringMatching(/^CREATE FUNCTION "g"/), 1, undefined],
        ['SELECT "g"()', 1, undefined],
        ['DELETE FROM "a" RETURNING 1', 1, "g"],
      ],
      [
        [expect.stringMatching(/^DO/), 3, undefined],
        [expect.stringMatching(/^CREATE FUNCTION "h"/), 4, undefined],
        ['DELETE FROM "b" RETURNING 1', 5, "h"],
      ],
    ]);
  });

  it("does not follow a call in a DDL statement's expressions (a policy's, a new table's default)", () => {
    const migration = parse([
      'CREATE FUNCTION "g"() RETURNS text LANGUAGE sql AS $$ DELETE FROM "a" RETURNING \'x\' $$;',
      "--> statement-breakpoint",
      'CREATE TABLE "t" ("c" text DEFAULT "g"());',
      "--> statement-breakpoint",
      'CREATE POLICY "p" ON "t" USING ("c" = "g"());',
    ]);
    expect(migration.statements.map((statement) => statement.units.length)).toEqual([1, 1, 1]);
  });

  it("follows a routine renamed by ALTER FUNCTION, ALTER PROCEDURE or ALTER ROUTINE under its new name only", () => {
    const migration = parse([
      WIPE,
      "--> statement-breakpoint",
      'ALTER FUNCTION "wipe"() RENAME TO "tidy";',
      "--> statement-breakpoint",
      'SELECT "wipe"(), "tidy"();',
      "--> statement-breakpoint",
      'CREATE PROCEDURE "p"(n int) LANGUAGE sql AS $$ DELETE FROM "b" $$;',
      "--> statement-breakpoint",
      'ALTER ROUTINE "p" RENAME TO "q";',
      "--> statement-breakpoint",
      'CALL "q"(1);',
    ]);
    const bodies = (index: number) =>
      migration.statements[index]?.units.slice(1).map((unit) => [unit.text, unit.routine]);
    expect([bodies(2), bodies(5)]).toEqual([
      [
        ['DROP TABLE "accounts"', "tidy"],
        ['DELETE FROM "orders"', "tidy"],
      ],
      [['DELETE FROM "b"', "q"]],
    ]);
  });

  it("fails the calling statement (parse error) when a chain of calls is deeper than the stack, naming where the chain starts, rather than reading part of it", () => {
    const functions = Array.from(
      { length: 4000 },
      (_, i) =>
        `CREATE FUNCTION "f${i}"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ${i === 0 ? 'DELETE FROM "orders";' : `PERFORM "f${i - 1}"();`} END $$;`,
    );
    const migration = parse(
      [...functions, '-- Run the chain.\nSELECT "f3999"();']
        .flatMap((sql) => [sql, "--> statement-breakpoint"])
        .slice(0, -1),
    );
    const call = migration.statements.at(-1);
    const readToTheEnd = call?.units.some((unit) => unit.type === "DeleteStmt") ?? false;
    if (readToTheEnd) expect(call?.parseError).toBeUndefined();
    else
      expect(call?.parseError).toEqual({
        message: expect.stringMatching(
          /^the review cannot read this statement: the chain of routine calls it makes \("f3999" → "f3998" → "f3997" → …\) runs deeper than the review's stack \(it ran out \d+ calls deep; PostgreSQL may still run it\)$/,
        ),
        position: { line: 8002, column: 1 },
        inCalledRoutine: true,
      });
  });

  it("parses each routine's body once per migration, however many statements call it", () => {
    const parsePlPgSQL = vi.spyOn(pgQuery(), "parsePlPgSQLSync");
    try {
      const migration = parse([
        WIPE,
        "--> statement-breakpoint",
        'CREATE FUNCTION "outer"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM "wipe"(); END $$;',
        "--> statement-breakpoint",
        'SELECT "outer"();',
        "--> statement-breakpoint",
        'SELECT "outer"(), "wipe"();',
        "--> statement-breakpoint",
        'DO $$ BEGIN PERFORM "outer"(); END $$;',
      ]);
      const bodiesRead = parsePlPgSQL.mock.calls.filter(([sql]) => sql.startsWith("CREATE FUNCTION"));
      // Once when each is created (what it runs that the review cannot read), once when first called.
      expect(bodiesRead).toHaveLength(4);
      // Each call still reads each routine once, with its own guards.
      expect(migration.statements.slice(2).map((statement) => statement.units.map((unit) => unit.routine))).toEqual([
        [undefined, "outer", "wipe", "wipe"],
        [undefined, "outer", "wipe", "wipe"],
        [undefined, undefined, "outer", "wipe", "wipe"],
      ]);
      expect(migration.statements[4]?.units.at(-1)?.guards).toEqual({
        inDoBlock: true,
        handles: [],
        conditional: false,
      });
    } finally {
      parsePlPgSQL.mockRestore();
    }
  });

  it.each([
    ["EXPLAIN ANALYZE, which runs its query", 'EXPLAIN ANALYZE SELECT "wipe"();', true],
    ["EXPLAIN (ANALYZE true, COSTS off)", 'EXPLAIN (ANALYZE true, COSTS off) SELECT "wipe"();', true],
    ["EXPLAIN without ANALYZE, which only plans it", 'EXPLAIN SELECT "wipe"();', false],
    ["EXPLAIN (ANALYZE false)", 'EXPLAIN (ANALYZE false) SELECT "wipe"();', false],
    ["COPY of a query", 'COPY (SELECT "wipe"()) TO STDOUT;', true],
    ["EXECUTE of a query prepared in the migration", 'PREPARE "p" AS SELECT "wipe"();\nEXECUTE "p";', true],
    ["EXECUTE of a deallocated query", 'PREPARE "p" AS SELECT "wipe"();\nDEALLOCATE "p";\nEXECUTE "p";', false],
    [
      "ADD COLUMN … DEFAULT (run for the existing rows)",
      'ALTER TABLE "t" ADD COLUMN "x" boolean DEFAULT "wipe"();',
      true,
    ],
    ["ADD COLUMN … CHECK", 'ALTER TABLE "t" ADD COLUMN "x" int CHECK ("wipe"() IS NULL);', true],
    [
      "ADD CONSTRAINT … CHECK (validated against the rows)",
      'ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("wipe"() IS NULL);',
      true,
    ],
    [
      "ADD CONSTRAINT … CHECK … NOT VALID",
      'ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("wipe"() IS NULL) NOT VALID;',
      false,
    ],
    ["ALTER COLUMN … TYPE … USING", 'ALTER TABLE "t" ALTER COLUMN "n" TYPE boolean USING "wipe"() IS NULL;', true],
    [
      "ALTER COLUMN … SET DEFAULT (runs for later rows only)",
      'ALTER TABLE "t" ALTER COLUMN "n" SET DEFAULT "wipe"();',
      false,
    ],
  ])("follows the calls of %s: %s", (_statement, sql, follows) => {
    const migration = parse([WIPE, "--> statement-breakpoint", sql]);
    const read = migration.statements[1]?.units.filter((unit) => unit.routine === "wipe").map((unit) => unit.text);
    expect(read).toEqual(follows ? ['DROP TABLE "accounts"', 'DELETE FROM "orders"'] : []);
  });
});

describe("a routine an earlier migration created, called by this one", () => {
  /** As the replayed schema hands them over: by name, each name's overloads. */
  const earlier = (...routines: EarlierRoutine[]) => {
    const byName = new Map<string, EarlierRoutine[]>();
    for (const routine of routines) byName.set(routine.name, [...(byName.get(routine.name) ?? []), routine]);
    return byName;
  };
  const wipe: EarlierRoutine = {
    schema: "public",
    name: "wipe",
    signature: "wipe()",
    text: WIPE,
    createdIn: "0003_wipe.sql",
    line: 7,
  };
  const parseAfter = (routines: Map<string, EarlierRoutine[]>, lines: string[]) =>
    parseMigration("0004_b", "0004_b.sql", lines.join("\n"), { followCalls: true, earlierRoutines: routines });

  it("runs its body at the call, with where it was created", () => {
    const migration = parseAfter(earlier(wipe), ["-- Empty the books.", 'SELECT "wipe"();']);
    expect(migration.statements[0]?.units.map((unit) => [unit.text, unit.routine, unit.routineCreatedIn])).toEqual([
      ['SELECT "wipe"()', undefined, undefined],
      ['DROP TABLE "accounts"', "wipe", "0003_wipe.sql:7"],
      ['DELETE FROM "orders"', "wipe", "0003_wipe.sql:7"],
    ]);
    expect(new Set(migration.statements[0]?.units.map((unit) => migration.positionAt(unit.offset).line))).toEqual(
      new Set([2]),
    );
  });

  it("is replaced, renamed or dropped by the migration's statements before the call, as its own routines are", () => {
    const migration = parseAfter(earlier(wipe), [
      'CREATE OR REPLACE FUNCTION "wipe"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "a" $$;',
      "--> statement-breakpoint",
      'SELECT "wipe"();',
      "--> statement-breakpoint",
      'ALTER FUNCTION "wipe" RENAME TO "tidy";',
      "--> statement-breakpoint",
      'SELECT "wipe"(), "tidy"();',
      "--> statement-breakpoint",
      'DROP FUNCTION "tidy"();',
      "--> statement-breakpoint",
      'SELECT "tidy"();',
    ]);
    const bodies = (index: number) =>
      migration.statements[index]?.units.slice(1).map((unit) => [unit.text, unit.routine, unit.routineCreatedIn]);
    expect([bodies(1), bodies(3), bodies(5)]).toEqual([
      [['DELETE FROM "a"', "wipe", undefined]],
      [['DELETE FROM "a"', "tidy", undefined]],
      [],
    ]);
  });

  it("records the names it looked up among them, with what it found: what its units depend on beside its text", () => {
    const migration = parseAfter(earlier(wipe), ['SELECT "wipe"(), now();']);
    expect(migration.earlierLookups).toEqual(
      new Map([
        ["wipe", [wipe]],
        ["now", []],
      ]),
    );
    expect(parse(['SELECT "wipe"();']).earlierLookups).toBeUndefined();
  });

  it("parses its body once, however many migrations call it", () => {
    const routines = earlier({ ...wipe });
    const parsePlPgSQL = vi.spyOn(pgQuery(), "parsePlPgSQLSync");
    try {
      for (let i = 0; i < 3; i++) parseAfter(routines, ['SELECT "wipe"();']);
      expect(parsePlPgSQL.mock.calls.filter(([sql]) => sql.startsWith("CREATE FUNCTION"))).toHaveLength(1);
    } finally {
      parsePlPgSQL.mockRestore();
    }
  });
});

describe("which of the routines created a call runs", () => {
  /** Each statement's units after the first (the statement's own), as `[text, routine]`. */
  const bodies = (migration: ParsedMigration) =>
    migration.statements.map((statement) => statement.units.slice(1).map((unit) => [unit.text, unit.routine]));

  it("keeps each schema's routines apart: a call names one schema's (or, unqualified, every schema's), a DROP, RENAME or SET SCHEMA changes one schema's", () => {
    const migration = parse(
      [
        'CREATE FUNCTION "a"."f"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "a" $$;',
        'CREATE FUNCTION "b"."f"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "b" $$;',
        'DROP FUNCTION IF EXISTS "public"."f"();',
        'SELECT "a"."f"();',
        'SELECT "f"();',
        'ALTER FUNCTION "a"."f"() SET SCHEMA "c";',
        'ALTER FUNCTION "b"."f"() RENAME TO "g";',
        'SELECT "a"."f"(), "c"."f"(), "b"."g"(), "f"();',
        'DROP FUNCTION "c"."f";',
        'SELECT "f"(), "g"();',
      ].flatMap((sql, i) => (i === 0 ? [sql] : ["--> statement-breakpoint", sql])),
    );
    expect(bodies(migration).slice(3)).toEqual([
      [['DELETE FROM "a"', "f"]],
      [
        ['DELETE FROM "a"', "f"],
        ['DELETE FROM "b"', "f"],
      ],
      [],
      [],
      [
        ['DELETE FROM "a"', "f"],
        ['DELETE FROM "b"', "g"],
      ],
      [],
      [['DELETE FROM "b"', "g"]],
    ]);
  });

  it("names an overload by its argument types however they are spelled (aliases, pg_catalog., modifiers)", () => {
    const migration = parse([
      'CREATE FUNCTION "f"(x int, y varchar(10), z double precision, t text) RETURNS void LANGUAGE sql AS $$ DELETE FROM "a" $$;',
      "--> statement-breakpoint",
      'ALTER FUNCTION "f"(integer, character varying, float8, pg_catalog.text) RENAME TO "g";',
      "--> statement-breakpoint",
      "SELECT \"f\"(1, 'x', 1, 't'), \"g\"(1, 'x', 1, 't');",
      "--> statement-breakpoint",
      'DROP FUNCTION "g"(int4, varchar, pg_catalog.float8, text);',
      "--> statement-breakpoint",
      "SELECT \"g\"(1, 'x', 1, 't');",
    ]);
    expect([bodies(migration)[2], bodies(migration)[4]]).toEqual([[['DELETE FROM "a"', "g"]], []]);
  });

  it("copies every overload of the name to the new name when a RENAME names none it knows, and a DROP that names none takes none", () => {
    const migration = parse([
      'CREATE FUNCTION "f"(x "t"."id"%TYPE) RETURNS void LANGUAGE sql AS $$ DELETE FROM "a" $$;',
      "--> statement-breakpoint",
      'DROP FUNCTION "f"(text);',
      "--> statement-breakpoint",
      'ALTER FUNCTION "f"(text) RENAME TO "g";',
      "--> statement-breakpoint",
      "SELECT \"f\"('x'), \"g\"('x');",
    ]);
    expect(bodies(migration)[3]).toEqual([
      ['DELETE FROM "a"', "f"],
      ['DELETE FROM "a"', "g"],
    ]);
  });
});

describe("a SQL-standard body (RETURN, BEGIN ATOMIC)", () => {
  const G = 'CREATE FUNCTION "g"() RETURNS int LANGUAGE sql AS $$ DELETE FROM "a" RETURNING 1 $$;';

  it("is read from PostgreSQL's tree of it, a RETURN as the SELECT of its expression", () => {
    const migration = parse([
      G,
      "--> statement-breakpoint",
      'CREATE FUNCTION "f"() RETURNS int LANGUAGE sql RETURN "g"() + 1;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "h"() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM "b"; RETURN (SELECT "g"()); END;',
      "--> statement-breakpoint",
      'SELECT "f"(), "h"();',
    ]);
    expect(migration.statements[3]?.units.map((unit) => [unit.type, unit.text, unit.routine])).toEqual([
      ["SelectStmt", 'SELECT "f"(), "h"()', undefined],
      ["SelectStmt", 'RETURN "g"() + 1', "f"],
      ["DeleteStmt", 'DELETE FROM "a" RETURNING 1', "g"],
      ["DeleteStmt", 'DELETE FROM "b"', "h"],
      ["SelectStmt", 'RETURN (SELECT "g"())', "h"],
    ]);
  });

  it("fails the call (a parse error naming the routine) when the review's parser rejects a statement of a body, whatever its language", () => {
    const migration = parse([
      "SET check_function_bodies = off;",
      "--> statement-breakpoint",
      'CREATE FUNCTION "f"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "a"; DELET FROM "b" $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "p"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELET FROM "b"; END $$;',
      "--> statement-breakpoint",
      'CREATE FUNCTION "q"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF "f"() IS NULL THEN NULL; END IF; END $$;',
      "--> statement-breakpoint",
      'SELECT "f"();',
      "--> statement-breakpoint",
      'SELECT "p"();',
      "--> statement-breakpoint",
      'SELECT "q"();',
    ]);
    expect(migration.statements.slice(4).map((statement) => [statement.units, statement.parseError])).toEqual(
      ["f", "p", "f"].map((routine, i) => [
        [],
        {
          message: expect.stringMatching(
            new RegExp(
              `^the review cannot read this statement: its parser rejects the body of "${routine}", which the statement runs: syntax error at or near "DELET"`,
            ),
          ),
          position: { line: 9 + 2 * i, column: 1 },
          inCalledRoutine: true,
        },
      ]),
    );
  });
});

describe("a query an earlier migration prepared", () => {
  const wipe: EarlierRoutine = {
    schema: "public",
    name: "wipe",
    signature: "wipe()",
    text: WIPE,
    createdIn: "0003_wipe.sql",
    line: 7,
  };
  const parseAfter = (prepared: Map<string, string>, lines: string[]) =>
    parseMigration("0004_b", "0004_b.sql", lines.join("\n"), {
      followCalls: true,
      earlierRoutines: new Map([["wipe", [wipe]]]),
      earlierPrepared: prepared,
    });
  const PREPARED = new Map([["q", 'PREPARE "q" AS SELECT "wipe"()']]);

  it("runs its calls at an EXECUTE, and records which it looked up (what the units depend on beside the text)", () => {
    const migration = parseAfter(PREPARED, ['EXECUTE "q";', "--> statement-breakpoint", 'EXECUTE "r";']);
    expect(migration.statements.map((statement) => statement.units.map((unit) => unit.routine ?? unit.text))).toEqual([
      ['EXECUTE "q"', "wipe", "wipe"],
      ['EXECUTE "r"'],
    ]);
    expect(migration.earlierPreparedLookups).toEqual(
      new Map([
        ["q", 'PREPARE "q" AS SELECT "wipe"()'],
        ["r", undefined],
      ]),
    );
  });

  it("is replaced by the migration's PREPARE, and gone after its DEALLOCATE or DEALLOCATE ALL", () => {
    const executes = (lines: string[]) =>
      parseAfter(PREPARED, lines)
        .statements.at(-1)
        ?.units.map((unit) => unit.routine ?? unit.text);
    expect(
      [['DEALLOCATE "q";'], ["DEALLOCATE ALL;"], ["DEALLOCATE PREPARE ALL;"], ['PREPARE "q" AS SELECT 1;']].map(
        (before) => executes([...before, "--> statement-breakpoint", 'EXECUTE "q";']),
      ),
    ).toEqual([['EXECUTE "q"'], ['EXECUTE "q"'], ['EXECUTE "q"'], ['EXECUTE "q"']]);
  });
});
