import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { guardedStatement } from "./guarded-statements.ts";

beforeAll(loadParser);

const guarded = (sql: string) => guardedStatement({ sql, comments: [] }).sql;
const wrapped = (statement: string) =>
  `DO $$ BEGIN\n  ${statement};\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$;`;

describe("the guard db:revert writes on each statement Drizzle Kit generates", () => {
  it.each([
    ['DROP TABLE "task" CASCADE;', 'DROP TABLE IF EXISTS "task" CASCADE;'],
    ['DROP INDEX "account_note_idx";', 'DROP INDEX IF EXISTS "account_note_idx";'],
    ['DROP POLICY "account_read" ON "account" CASCADE;', 'DROP POLICY IF EXISTS "account_read" ON "account" CASCADE;'],
    ['DROP TYPE "public"."label";', 'DROP TYPE IF EXISTS "public"."label";'],
    ['DROP VIEW "public"."account_names";', 'DROP VIEW IF EXISTS "public"."account_names";'],
    ['DROP SEQUENCE "public"."ticket_seq";', 'DROP SEQUENCE IF EXISTS "public"."ticket_seq";'],
    ['DROP SCHEMA "audit";\n', 'DROP SCHEMA IF EXISTS "audit";\n'],
    ['DROP ROLE "kinds_reader";', 'DROP ROLE IF EXISTS "kinds_reader";'],
    ['ALTER TABLE "account" DROP COLUMN "note";', 'ALTER TABLE "account" DROP COLUMN IF EXISTS "note";'],
    [
      'ALTER TABLE "account" DROP CONSTRAINT "account_name_unique";',
      'ALTER TABLE "account" DROP CONSTRAINT IF EXISTS "account_name_unique";',
    ],
    [
      'CREATE TABLE "task" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n',
      'CREATE TABLE IF NOT EXISTS "task" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n',
    ],
    [
      'CREATE INDEX "account_note_idx" ON "account" USING btree ("note");',
      'CREATE INDEX IF NOT EXISTS "account_note_idx" ON "account" USING btree ("note");',
    ],
    ['CREATE SCHEMA "audit";\n', 'CREATE SCHEMA IF NOT EXISTS "audit";\n'],
    [
      'CREATE SEQUENCE "public"."ticket_seq" START WITH 1;',
      'CREATE SEQUENCE IF NOT EXISTS "public"."ticket_seq" START WITH 1;',
    ],
    ['ALTER TABLE "account" ADD COLUMN "note" text;', 'ALTER TABLE "account" ADD COLUMN IF NOT EXISTS "note" text;'],
  ])("%s → %s", (sql, expected) => {
    expect(guarded(sql)).toBe(expected);
  });

  it.each(["CREATE TYPE \"public\".\"label\" AS ENUM('red', 'green')", 'CREATE ROLE "kinds_reader"'])(
    "wraps what has no IF NOT EXISTS in the DO block that catches the duplicate: %s",
    (statement) => {
      expect(guarded(`${statement};`)).toBe(wrapped(statement));
    },
  );

  const constraintNamed = (name: string) =>
    `SELECT FROM pg_constraint WHERE conrelid = '"account"'::regclass AND conname = '${name}'`;
  const definition = (name: string) =>
    `(SELECT regexp_replace(pg_get_constraintdef(oid), ' NOT VALID$', '') FROM pg_constraint WHERE conrelid = '"account"'::regclass AND conname = '${name}')`;

  it("puts a CHECK back only where no constraint of its name is there, and stops when the one there differs", () => {
    const check = 'ALTER TABLE "account" ADD CONSTRAINT "account_score_check" CHECK ("account"."score" >= 0)';
    const statement = guardedStatement({ sql: `${check};`, comments: [] });
    expect(statement.sql).toBe(
      [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (${constraintNamed("account_score_check")}) THEN`,
        `    ${check};`,
        "  ELSE",
        '    ALTER TABLE "account" ADD CONSTRAINT "account_score_check_db_revert" CHECK ("account"."score" >= 0) NOT VALID;',
        `    IF ${definition("account_score_check")} IS DISTINCT FROM ${definition("account_score_check_db_revert")} THEN`,
        `      RAISE EXCEPTION 'db:revert: constraint "account_score_check" on "account" exists with another definition than the one this migration puts back: % (it puts back: %)', ${definition("account_score_check")}, ${definition("account_score_check_db_revert")};`,
        "    END IF;",
        '    ALTER TABLE "account" DROP CONSTRAINT "account_score_check_db_revert";',
        "  END IF;",
        "END $$;",
      ].join("\n"),
    );
    // The copy is hand-written: db:review (manual-addition-header) asks it to say so.
    expect(statement.comments).toEqual([
      "-- Manual addition: db:revert: put back only where nothing of its name is there; what is there must be the same, or the migration stops, naming both.",
    ]);
  });

  it("compares a foreign key the same way, its copy NOT VALID (no scan)", () => {
    const sql = guarded(
      'ALTER TABLE "project" ADD CONSTRAINT "project_account_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE cascade ON UPDATE no action;',
    );
    expect(sql).toContain(
      '    ALTER TABLE "project" ADD CONSTRAINT "project_account_fk_db_revert" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE cascade ON UPDATE no action NOT VALID;',
    );
  });

  it("puts a UNIQUE constraint back only where its name is free, and where it is held, stops unless by the same key", () => {
    const unique = 'ALTER TABLE "account" ADD CONSTRAINT "account_name_unique" UNIQUE("name")';
    const holder = `FROM pg_class WHERE relname = 'account_name_unique' AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = '"account"'::regclass)`;
    expect(guarded(`${unique};`)).toBe(
      [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (${constraintNamed("account_name_unique")}) THEN`,
        `    IF EXISTS (SELECT ${holder}) THEN`,
        `      RAISE EXCEPTION 'db:revert: cannot put back constraint "account_name_unique" on "account": its name is taken by %', (SELECT coalesce(pg_get_indexdef(oid), relkind::text || ' ' || oid::regclass::text) ${holder});`,
        "    END IF;",
        `    ${unique};`,
        `  ELSIF NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = '"account"'::regclass AND conname = 'account_name_unique' AND c.contype = 'u' AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) = ARRAY['name']::text[]) THEN`,
        `    RAISE EXCEPTION 'db:revert: constraint "account_name_unique" on "account" exists with another definition than the one this migration puts back: % (it puts back: UNIQUE ("name"))', (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '"account"'::regclass AND conname = 'account_name_unique');`,
        "  END IF;",
        "END $$;",
      ].join("\n"),
    );
  });

  it("puts a policy back only where its name is free, comparing one that is there through a copy", () => {
    const sql = guarded(
      'CREATE POLICY "account_read" ON "account" AS PERMISSIVE FOR SELECT TO "kinds_reader" USING (true);',
    );
    expect(sql.split("\n").slice(0, 5)).toEqual([
      "DO $$ BEGIN",
      `  IF NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = '"account"'::regclass AND p.polname = 'account_read') THEN`,
      '    CREATE POLICY "account_read" ON "account" AS PERMISSIVE FOR SELECT TO "kinds_reader" USING (true);',
      "  ELSE",
      '    CREATE POLICY "account_read_db_revert" ON "account" AS PERMISSIVE FOR SELECT TO "kinds_reader" USING (true);',
    ]);
    expect(sql).toContain('    DROP POLICY "account_read_db_revert" ON "account";');
  });

  it("names a copy within PostgreSQL's 63 bytes, and doubles a % of a name in the RAISE's format", () => {
    const name = `c_${"x".repeat(57)}%`;
    const sql = guarded(`ALTER TABLE "account" ADD CONSTRAINT "${name}" CHECK (true);`);
    expect(sql).toContain(`ADD CONSTRAINT "c_${"x".repeat(51)}_db_revert" CHECK (true) NOT VALID;`);
    expect(sql).toContain(`'db:revert: constraint "c_${"x".repeat(57)}%%" on "account" exists`);
  });

  it("wraps a view rather than making it OR REPLACE, which db:review would not recognise as Drizzle Kit's", () => {
    const view = 'CREATE VIEW "public"."account_names" AS (select "id" from "account")';
    expect(guarded(`${view};`)).toBe(wrapped(view));
  });

  it("leaves alone what runs again as it is, and what is guarded already", () => {
    for (const sql of [
      'ALTER TABLE "account" ENABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "account" ALTER COLUMN "score" SET DEFAULT 0;',
      'ALTER TABLE "account" ALTER COLUMN "title" SET NOT NULL;',
      'ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE text;',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
      wrapped('CREATE ROLE "kinds_reader"'),
    ])
      expect(guarded(sql)).toBe(sql);
  });

  it("drops an identity only if it is there: DROP IDENTITY IF EXISTS", () => {
    expect(guarded('ALTER TABLE "t" ALTER COLUMN "id" DROP IDENTITY;')).toBe(
      'ALTER TABLE "t" ALTER COLUMN "id" DROP IDENTITY IF EXISTS;',
    );
  });

  it("puts an identity back only where the column has none, its sequence then set past the values the column holds", () => {
    const add =
      'ALTER TABLE "audit"."t" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (sequence name "audit"."t_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1)';
    const statement = guardedStatement({ sql: `${add};`, comments: [] });
    expect(statement.sql).toBe(
      [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = '"audit"."t"'::regclass AND attname = 'id' AND attidentity <> '') THEN`,
        `    ${add};`,
        "    PERFORM setval(s.seqrelid, CASE WHEN s.seqincrement > 0 THEN v.high ELSE v.low END)",
        '      FROM pg_sequence s, (SELECT max("id") AS high, min("id") AS low FROM "audit"."t") v',
        `      WHERE s.seqrelid = pg_get_serial_sequence('"audit"."t"', 'id')::regclass`,
        "        AND CASE WHEN s.seqincrement > 0 THEN v.high >= s.seqmin ELSE v.low <= s.seqmax END;",
        "  END IF;",
        "END $$;",
      ].join("\n"),
    );
    // The setval is hand-written: db:review (manual-addition-header) asks it to say so.
    expect(statement.comments).toEqual([
      "-- Manual addition: db:revert: added only where the column has no identity, its sequence then set past the values the column holds.",
    ]);
  });

  it("keeps the statement's comments and data-loss marking", () => {
    const statement = { sql: 'ALTER TABLE "t" DROP COLUMN "c";', comments: ["-- why"], dataLoss: "drops it" };
    expect(guardedStatement(statement)).toEqual({ ...statement, sql: 'ALTER TABLE "t" DROP COLUMN IF EXISTS "c";' });
  });
});
