import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseMigration } from "./parse-migration.ts";

beforeAll(loadParser);

describe("parseMigration", () => {
  it("splits like the runner and maps statements to the line and column of their code", () => {
    const text =
      '-- header\nCREATE TABLE "a" ("id" text);--> statement-breakpoint\n-- Manual addition: grants\nGRANT SELECT ON "a" TO "authenticated";';
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    expect(
      migration.statements.map((s) => [s.index, s.position, s.leadingComments, s.units.map((u) => u.type)]),
    ).toEqual([
      [1, { line: 2, column: 1 }, ["header"], ["CreateStmt"]],
      [2, { line: 4, column: 1 }, ["Manual addition: grants"], ["GrantStmt"]],
    ]);
  });

  it("parses the statements inside a DO block with the guards around them", () => {
    const text =
      "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN\n    CREATE ROLE \"authenticated\" NOLOGIN;\n  END IF;\nEND $$;--> statement-breakpoint\nDO $$ BEGIN\n  CREATE TYPE \"t\" AS ENUM('a');\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;";
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const inner = migration.statements.flatMap((s) => s.units.filter((u) => u.type !== "DoStmt"));
    expect(inner.map((u) => [u.type, migration.positionAt(u.offset), u.guards])).toEqual([
      ["CreateRoleStmt", { line: 4, column: 5 }, { inDoBlock: true, handles: [], conditional: true }],
      [
        "CreateEnumStmt",
        { line: 8, column: 3 },
        { inDoBlock: true, handles: ["duplicate_object"], conditional: false },
      ],
    ]);
  });

  it("parses the statements of exception handlers too: they run only when the error happens, outside their own block's handlers", () => {
    const text = [
      "DO $$ BEGIN",
      "  PERFORM 1/0;",
      "EXCEPTION WHEN division_by_zero THEN",
      '  DROP TABLE "orders";',
      "END $$;--> statement-breakpoint",
      "DO $$ DECLARE r record; BEGIN",
      "  IF true THEN",
      "    BEGIN",
      "      CREATE TYPE \"t\" AS ENUM('a');",
      "    EXCEPTION WHEN duplicate_object THEN",
      "      FOR r IN SELECT 1 LOOP",
      '        TRUNCATE "orders";',
      "      END LOOP;",
      "    END;",
      "  END IF;",
      "EXCEPTION WHEN others THEN",
      '  DELETE FROM "orders";',
      "END $$;",
    ].join("\n");
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const inner = migration.statements.flatMap((s) => s.units.filter((u) => u.type !== "DoStmt"));
    expect(inner.map((u) => [u.text, migration.positionAt(u.offset), u.guards])).toEqual([
      ["SELECT 1/0", { line: 2, column: 3 }, { inDoBlock: true, handles: ["division_by_zero"], conditional: false }],
      ['DROP TABLE "orders"', { line: 4, column: 3 }, { inDoBlock: true, handles: [], conditional: true }],
      [
        "CREATE TYPE \"t\" AS ENUM('a')",
        { line: 9, column: 7 },
        { inDoBlock: true, handles: ["others", "duplicate_object"], conditional: true },
      ],
      ['TRUNCATE "orders"', { line: 12, column: 9 }, { inDoBlock: true, handles: ["others"], conditional: true }],
      ['DELETE FROM "orders"', { line: 17, column: 3 }, { inDoBlock: true, handles: [], conditional: true }],
    ]);
    // Handler SQL is read, not left as something the review cannot see.
    expect(migration.statements.map((s) => s.units[0]?.doBlock)).toEqual([
      { opaque: ["perform"] },
      { opaque: ["fors"] },
    ]);
  });

  it("keeps SQL the parser rejects as a parse error with its position, without throwing", () => {
    const migration = parseMigration(
      "0000_a",
      "0000_a.sql",
      'SELECT 1;--> statement-breakpoint\nCREATE TABLE "a" ("id" text PRIMARY KEY,);',
    );
    expect(migration.statements[1]?.parseError).toEqual({
      message: 'syntax error at or near ")"',
      position: { line: 2, column: 41 },
    });
  });

  it("places statements and errors after non-ASCII text on their characters (the parser counts UTF-8 bytes)", () => {
    const text =
      '-- Café ☕\nCOMMENT ON TABLE "a" IS \'naïve — 🚀\'; CREATE TABLE "b" ("id" text);--> statement-breakpoint\n' +
      "SELECT 'ü🚀' FROM WHERE;";
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const [first, second] = migration.statements;
    expect(first?.units.map((u) => [u.text, migration.positionAt(u.offset)])).toEqual([
      ["COMMENT ON TABLE \"a\" IS 'naïve — 🚀'", { line: 2, column: 1 }],
      ['CREATE TABLE "b" ("id" text)', { line: 2, column: 39 }],
    ]);
    expect(second?.parseError?.position).toEqual({ line: 3, column: 19 });
  });

  it("places each statement of a DO block where it is, not at a copy of its text in a comment or a string above it", () => {
    const text = [
      "DO $$",
      "DECLARE n int;",
      "BEGIN",
      '  -- Was: DROP TABLE "orders"; PERFORM pg_sleep(1);',
      "  RAISE NOTICE 'DROP TABLE \"orders\"';",
      '  /* DROP TABLE "orders"; */ DROP TABLE "orders"; DROP TABLE "orders";',
      "  /* PERFORM pg_sleep(1); */ PERFORM pg_sleep(1);",
      '  SELECT count(*) INTO n FROM "items";',
      "END $$;",
    ].join("\n");
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const inner = migration.statements[0]?.units.slice(1) ?? [];
    expect(inner.map((u) => [u.text, migration.positionAt(u.offset)])).toEqual([
      ['DROP TABLE "orders"', { line: 6, column: 30 }],
      ['DROP TABLE "orders"', { line: 6, column: 51 }],
      ["SELECT pg_sleep(1)", { line: 7, column: 30 }],
      [expect.stringMatching(/^SELECT count\(\*\)/), { line: 8, column: 3 }],
    ]);
  });

  it("places the statements of a quoted DO body, whose doubled quotes are one character of the body", () => {
    const text = "DO 'BEGIN\n  RAISE NOTICE ''it''''s'';  DELETE FROM \"orders\" WHERE true;\nEND';";
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const [, inner] = migration.statements[0]?.units ?? [];
    expect(inner && [inner.text, migration.positionAt(inner.offset)]).toEqual([
      'DELETE FROM "orders" WHERE true',
      { line: 2, column: 30 },
    ]);
  });

  it("places the statements of an E'' or U&'' DO body, whose backslash escapes are one character of the body", () => {
    const text = [
      "DO E'BEGIN\\n  RAISE NOTICE \\'it\\'\\'s \\u00e9\\U0001F600\\x41\\101\\\\\\';\\n  DELETE FROM \"orders\" WHERE true;\\nEND';",
      "--> statement-breakpoint",
      "DO U&'BEGIN\\000A  RAISE NOTICE ''\\00e9\\+01F600\\\\'';  DELETE FROM \"orders\" WHERE true;\\000AEND';",
    ].join("\n");
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    const inner = migration.statements.map((statement) => statement.units[1]);
    expect(inner.map((unit) => unit && [unit.text, migration.positionAt(unit.offset)])).toEqual([
      ['DELETE FROM "orders" WHERE true', { line: 1, column: text.indexOf("DELETE") + 1 }],
      ['DELETE FROM "orders" WHERE true', { line: 3, column: text.split("\n")[2]!.indexOf("DELETE") + 1 }],
    ]);
  });

  it("reports a syntax error inside a DO block at the statement and column the parser points at, after non-ASCII text", () => {
    const text = [
      "SELECT 1;",
      "--> statement-breakpoint",
      "DO $$ BEGIN",
      "  RAISE NOTICE 'café ☕ 🚀';",
      '  ALTER TABLE "orders" ADD COLUMN IF NOT EXISTS "note" text;',
      '  IF true THEN UPDATE "orders" SET "note" = \'ü\' WHER true; END IF;',
      "END $$;",
    ].join("\n");
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    expect(migration.statements[1]?.parseError).toEqual({
      message: 'syntax error at or near "WHER"',
      position: { line: 6, column: 49 },
    });
  });

  it("reports an error of PL/pgSQL's own syntax, which no SQL statement holds, at the DO block", () => {
    const text =
      'SELECT 1;\n--> statement-breakpoint\nDO $$ BEGIN\n  IF true THEN\n    RETURN;\n  DROP TABLE "orders";\nEND $$;';
    const migration = parseMigration("0000_a", "0000_a.sql", text);
    expect(migration.statements[1]?.parseError).toEqual({
      message: "syntax error at end of input",
      position: { line: 3, column: 1 },
    });
  });

  it("reads the no-transaction directive", () => {
    expect(parseMigration("0010_a", "0010_a.sql", "-- migrator:no-transaction\nSELECT 1;").noTransaction).toBe(true);
  });
});
