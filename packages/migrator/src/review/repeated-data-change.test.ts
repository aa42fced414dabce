import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseSql } from "../sql/parse-migration.ts";
import { repeatedDataChange } from "./repeated-data-change.ts";

beforeAll(() => loadParser());

/** Why each statement of the SQL (DO blocks' statements included) changes the data again on a second run. */
function repeats(sql: string): string[] {
  return parseSql(sql).flatMap((unit) => repeatedDataChange(unit) ?? []);
}

describe("repeatedDataChange: INSERT", () => {
  it("reports an INSERT of VALUES without ON CONFLICT: a second run inserts the row again", () => {
    expect(repeats('INSERT INTO "k_t" VALUES (1)')).toEqual([
      'INSERT INTO "k_t" without ON CONFLICT or WHERE NOT EXISTS on "k_t"',
    ]);
  });

  it("reports an INSERT … SELECT from another table without a NOT EXISTS on its own table", () => {
    expect(repeats('INSERT INTO "t" ("id") SELECT "id" FROM "s"')).toHaveLength(1);
    expect(
      repeats('INSERT INTO "t" ("id") SELECT "id" FROM "s" WHERE NOT EXISTS (SELECT 1 FROM "other")'),
    ).toHaveLength(1);
  });

  it("reports a NOT EXISTS that is only one side of an OR, or a UNION, since part of the rows is inserted again", () => {
    expect(repeats('INSERT INTO "t" SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM "t") OR "flag"()')).toHaveLength(1);
    expect(repeats('INSERT INTO "t" SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM "t") UNION ALL SELECT 2')).toHaveLength(1);
  });

  it("passes an INSERT with ON CONFLICT DO NOTHING", () => {
    expect(repeats('INSERT INTO "t" ("id") VALUES (1) ON CONFLICT DO NOTHING')).toEqual([]);
  });

  it("passes INSERT … SELECT … WHERE NOT EXISTS on the target table, as a conjunct of the WHERE", () => {
    expect(
      repeats(
        'INSERT INTO "public"."t" ("id") SELECT "s"."id" FROM "s" WHERE "s"."ok" AND NOT EXISTS (SELECT 1 FROM "t" WHERE "t"."id" = "s"."id")',
      ),
    ).toEqual([]);
  });

  it("reports ON CONFLICT DO UPDATE that sets a column from the existing row's value, and passes one that sets it from EXCLUDED", () => {
    expect(
      repeats('INSERT INTO "t" ("id", "n") VALUES (1, 1) ON CONFLICT ("id") DO UPDATE SET "n" = "t"."n" + 1'),
    ).toEqual(['INSERT INTO "t" … ON CONFLICT DO UPDATE sets "n" from its own value']);
    expect(
      repeats('INSERT INTO "t" ("id", "n") VALUES (1, 1) ON CONFLICT ("id") DO UPDATE SET "n" = "excluded"."n"'),
    ).toEqual([]);
  });

  it("reports an INSERT in a WITH of another statement", () => {
    expect(repeats('WITH "x" AS (INSERT INTO "t" VALUES (1) RETURNING *) SELECT * FROM "x"')).toHaveLength(1);
  });

  it("passes an INSERT under an IF in a DO block, or whose unique_violation the block catches", () => {
    expect(
      repeats('DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM "t") THEN INSERT INTO "t" VALUES (1); END IF; END $$'),
    ).toEqual([]);
    expect(
      repeats('DO $$ BEGIN INSERT INTO "t" VALUES (1); EXCEPTION WHEN unique_violation THEN null; END $$'),
    ).toEqual([]);
  });

  it("reports an INSERT inside a DO block that guards nothing", () => {
    expect(repeats('DO $$ BEGIN INSERT INTO "t" VALUES (1); END $$')).toHaveLength(1);
  });

  it("passes an INSERT in the body of a routine, which runs when called, not when created", () => {
    expect(
      repeats('CREATE FUNCTION "f"() RETURNS void LANGUAGE sql BEGIN ATOMIC INSERT INTO "t" VALUES (1); END'),
    ).toEqual([]);
  });
});

describe("repeatedDataChange: UPDATE", () => {
  it("reports an UPDATE whose SET reads the column it sets", () => {
    expect(repeats('UPDATE "t" SET "n" = "n" + 1')).toEqual(['UPDATE "t" sets "n" from its own value']);
    expect(repeats(`UPDATE "t" AS "u" SET "s" = "u"."s" || 'x' WHERE "u"."id" = 1`)).toHaveLength(1);
  });

  it("reports an UPDATE that sets a column from another column it also sets (a swap undoes itself)", () => {
    expect(repeats('UPDATE "t" SET "a" = "b", "b" = "a"')).toEqual([
      'UPDATE "t" sets "a" from "b", which it also sets',
    ]);
    expect(repeats('UPDATE "t" SET ("a", "b") = (SELECT "b", "a")')).toHaveLength(1);
  });

  it("passes an UPDATE that sets constants or other columns, whatever its WHERE reads", () => {
    expect(repeats('UPDATE "t" SET "n" = 5')).toEqual([]);
    expect(repeats('UPDATE "t" SET "a" = "b"')).toEqual([]);
    expect(repeats(`UPDATE "t" SET "status" = 'b' WHERE "status" = 'a'`)).toEqual([]);
    expect(repeats('UPDATE "t" SET "n" = "o"."n" FROM "o" WHERE "o"."id" = "t"."id"')).toEqual([]);
  });

  it("takes an unqualified column in a sub-select with its own FROM as the sub-select's", () => {
    expect(repeats('UPDATE "t" SET "n" = (SELECT "n" FROM "o" WHERE "o"."id" = "t"."id")')).toEqual([]);
    expect(repeats('UPDATE "t" SET "n" = (SELECT max("t"."n") FROM "o")')).toHaveLength(1);
  });

  it("passes a DELETE", () => {
    expect(repeats('DELETE FROM "t" WHERE "id" = 1')).toEqual([]);
  });
});

describe("repeatedDataChange: MERGE", () => {
  const merge = (on: string, insert: string) =>
    repeats(`MERGE INTO "t" USING "s" ON ${on} WHEN NOT MATCHED THEN INSERT ${insert}`);

  it("passes a MERGE keyed on the columns its INSERT sets from the same expressions", () => {
    expect(merge('"t"."id" = "s"."id"', '("id", "n") VALUES ("s"."id", "s"."n")')).toEqual([]);
    expect(merge('"s"."id" = "t"."id" AND "t"."k" = "s"."k"', '("k", "id") VALUES ("s"."k", "s"."id")')).toEqual([]);
  });

  it("reports a MERGE INSERT its ON condition does not clearly match on a second run", () => {
    // Inserted under another value than the key compares.
    expect(merge('"t"."id" = "s"."id"', '("id") VALUES ("s"."id" + 1)')).toHaveLength(1);
    // A condition beyond the key: the inserted row may not satisfy it.
    expect(merge('"t"."id" = "s"."id" AND "t"."active"', '("id") VALUES ("s"."id")')).toHaveLength(1);
    // No column list: which column gets which value is the table's order.
    expect(merge('"t"."id" = "s"."id"', 'VALUES ("s"."id")')).toHaveLength(1);
    expect(merge("true", '("id") VALUES ("s"."id")')).toHaveLength(1);
  });

  it("reports a MERGE UPDATE that sets a column from its own value, and passes a DELETE", () => {
    expect(
      repeats('MERGE INTO "t" USING "s" ON "t"."id" = "s"."id" WHEN MATCHED THEN UPDATE SET "n" = "t"."n" + "s"."n"'),
    ).toEqual(['MERGE INTO "t" … UPDATE sets "n" from its own value']);
    expect(repeats('MERGE INTO "t" USING "s" ON "t"."id" = "s"."id" WHEN MATCHED THEN DELETE')).toEqual([]);
  });
});

describe("repeatedDataChange: a column set from itself in a form that settles on the first run", () => {
  it("passes c = c, coalesce(c, …), lower/upper/trim of it, and greatest/least(c, …): a second run writes what the first wrote", () => {
    for (const sql of [
      'UPDATE "t" SET "c" = "c"',
      'UPDATE "t" SET "c" = coalesce("c", 0)',
      'UPDATE "t" SET "c" = coalesce("c", "n") WHERE "id" IN (SELECT "id" FROM "t" WHERE "c" IS NULL LIMIT 1000)',
      'UPDATE "t" SET "email" = lower("email") WHERE "email" <> lower("email")',
      'UPDATE "t" SET "name" = upper("name"), "code" = trim("code")',
      'INSERT INTO "t" ("id", "n") VALUES (1, 2) ON CONFLICT ("id") DO UPDATE SET "n" = greatest("t"."n", "excluded"."n")',
    ]) {
      expect(repeats(sql), sql).toEqual([]);
    }
  });

  it("still reports a form that moves again: coalesce with the column second, an argument read from another set column, an increment inside", () => {
    for (const sql of [
      'UPDATE "t" SET "c" = coalesce(0, "c")',
      'UPDATE "t" SET "a" = coalesce("a", "b"), "b" = 0',
      'UPDATE "t" SET "c" = lower("c" || \'x\')',
      'UPDATE "t" SET "n" = greatest("n" + 1, 5)',
    ]) {
      expect(repeats(sql), sql).toHaveLength(1);
    }
  });
});

describe("repeatedDataChange: COPY", () => {
  it("reports COPY … FROM, which adds its rows again, and passes COPY … TO", () => {
    expect(repeats('COPY "t" ("name") FROM STDIN')).toEqual(['COPY "t" FROM adds its rows again']);
    expect(repeats('COPY "t" TO STDOUT')).toEqual([]);
  });
});
