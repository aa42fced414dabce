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

describe("repeatedDataChange: INSERT … WHERE NOT EXISTS keyed on the inserted row", () => {
  const insert = (notExists: string, select = '"s"."id", "s"."n"') =>
    repeats(`INSERT INTO "t" ("id", "n") SELECT ${select} FROM "s" WHERE NOT EXISTS (${notExists})`);

  it("passes a NOT EXISTS whose WHERE equates target columns with the expressions the SELECT inserts into them", () => {
    expect(insert('SELECT 1 FROM "t" WHERE "t"."id" = "s"."id"')).toEqual([]);
    expect(insert('SELECT 1 FROM "public"."t" AS "x" WHERE "s"."n" = "x"."n" AND "x"."id" = "s"."id"')).toEqual([]);
    expect(repeats(`INSERT INTO "t" ("id") SELECT 'b' WHERE NOT EXISTS (SELECT 1 FROM "t" WHERE "id" = 'b')`)).toEqual(
      [],
    );
  });

  it("reports a NOT EXISTS on the target that does not key the inserted row: a second run inserts it again", () => {
    for (const notExists of [
      // A constant the SELECT does not insert.
      'SELECT 1 FROM "t" WHERE "t"."id" = 999',
      // A column the INSERT sets, but compared with another expression.
      'SELECT 1 FROM "t" WHERE "t"."n" = "s"."id"',
      // A column the INSERT does not set.
      'SELECT 1 FROM "t" WHERE "t"."other" = "s"."id"',
      'SELECT 1 FROM "t" WHERE false',
      'SELECT 1 FROM "t"  WHERE "t"."id" = "s"."id" AND "t"."active"',
      // The target outer-joined to nothing, or joined to another table: its rows need not be seen.
      'SELECT 1 FROM "s" LEFT JOIN "t" ON false',
      'SELECT 1 FROM "t" JOIN "u" ON true WHERE "t"."id" = "s"."id"',
      'SELECT 1 FROM "t" WHERE "t"."id" = "s"."id" LIMIT 0',
    ]) {
      expect(insert(notExists), notExists).toHaveLength(1);
    }
  });

  it("reports a key the SELECT makes new on every run, or reads from the target itself", () => {
    expect(
      repeats(
        'INSERT INTO "t" ("id") SELECT gen_random_uuid() WHERE NOT EXISTS (SELECT 1 FROM "t" WHERE "t"."id" = gen_random_uuid())',
      ),
    ).toHaveLength(1);
    expect(
      repeats(
        'INSERT INTO "t" ("id") SELECT "o"."id" + 1 FROM "t" AS "o" WHERE NOT EXISTS (SELECT 1 FROM "t" WHERE "t"."id" = "o"."id" + 1)',
      ),
    ).toHaveLength(1);
  });
});

describe("repeatedDataChange: INSERT … ON CONFLICT whose key is new on every run", () => {
  it("reports a conflict column the INSERT leaves out or sets to DEFAULT, a sequence or a random value: a retry never conflicts", () => {
    for (const sql of [
      `INSERT INTO "t" ("name") VALUES ('a') ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("id", "name") VALUES (DEFAULT, 'a') ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("id", "name") VALUES (nextval('t_id_seq'), 'a') ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("id", "name") SELECT gen_random_uuid(), "name" FROM "s" ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("id", "name") VALUES (uuid_generate_v4(), 'a') ON CONFLICT ("id") DO UPDATE SET "name" = 'a'`,
      `INSERT INTO "t" ("id") VALUES (floor(random() * 1000)) ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" VALUES (DEFAULT, 'a') ON CONFLICT ("id") DO NOTHING`,
      'INSERT INTO "t" DEFAULT VALUES ON CONFLICT ("id") DO NOTHING',
    ]) {
      expect(repeats(sql), sql).toHaveLength(1);
    }
  });

  it("reports ON CONFLICT DO UPDATE from EXCLUDED when the inserted rows are read from the target itself", () => {
    expect(
      repeats(
        'INSERT INTO "t" ("id", "n") SELECT "id", "n" + 1 FROM "t" ON CONFLICT ("id") DO UPDATE SET "n" = "excluded"."n"',
      ),
    ).toEqual(['INSERT INTO "t" … ON CONFLICT DO UPDATE sets "n" from its own value']);
  });

  it("passes ON CONFLICT on keys the INSERT sets to constants or selected values, and a bare ON CONFLICT DO NOTHING", () => {
    for (const sql of [
      `INSERT INTO "t" ("id", "name") VALUES (1, 'a'), (2, 'b') ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("id", "name") SELECT "s"."id", gen_random_uuid() FROM "s" ON CONFLICT ("id") DO NOTHING`,
      `INSERT INTO "t" ("org", "email") VALUES (1, 'A') ON CONFLICT ("org", lower("email")) DO NOTHING`,
      `INSERT INTO "t" ("id", "name") VALUES (DEFAULT, 'a') ON CONFLICT DO NOTHING`,
    ]) {
      expect(repeats(sql), sql).toEqual([]);
    }
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

  it("reports a SET reading the target again through a self-join, a sub-select over it, or a CTE over it", () => {
    for (const sql of [
      'UPDATE "t" SET "n" = "o"."n" + 1 FROM "t" AS "o" WHERE "o"."id" = "t"."id"',
      // Another row's value, not the row's own: each run shifts the values once more.
      'UPDATE "t" SET "n" = "o"."n" FROM "t" AS "o" WHERE "o"."id" = "t"."id" + 1',
      'UPDATE "t" SET "n" = "o"."n" + 1 FROM "s" JOIN "public"."t" AS "o" ON "o"."id" = "s"."id" WHERE "o"."id" = "t"."id"',
      'UPDATE "t" SET "n" = (SELECT max("n") + 1 FROM "t")',
      'UPDATE "t" SET "n" = (SELECT sum("x"."n") FROM (SELECT "n" FROM "t") AS "x")',
      'WITH "o" AS (SELECT "id", "n" FROM "t") UPDATE "t" SET "n" = "o"."n" + 1 FROM "o" WHERE "o"."id" = "t"."id"',
    ]) {
      expect(repeats(sql), sql).toEqual(['UPDATE "t" sets "n" from its own value']);
    }
  });

  it("passes a SET read from a range over another table, even when the target is read elsewhere", () => {
    expect(
      repeats(
        'UPDATE "t" SET "n" = "s"."n" + 1 FROM "s" JOIN "t" AS "o" ON "o"."id" = "s"."id" WHERE "o"."id" = "t"."id"',
      ),
    ).toEqual([]);
    expect(repeats('UPDATE "t" SET "n" = (SELECT count(*) FROM "t" AS "o" WHERE "o"."g" = "t"."g")')).toEqual([]);
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

  it("reports a MERGE whose source reads the target: its UPDATE or INSERT moves on again", () => {
    expect(
      repeats(
        'MERGE INTO "t" USING (SELECT "id", "n" FROM "t") AS "o" ON "t"."id" = "o"."id" WHEN MATCHED THEN UPDATE SET "n" = "o"."n" + 1',
      ),
    ).toEqual(['MERGE INTO "t" … UPDATE sets "n" from its own value']);
    expect(
      repeats(
        'MERGE INTO "t" USING (SELECT max("id") + 1 AS "id" FROM "t") AS "o" ON "t"."id" = "o"."id" WHEN NOT MATCHED THEN INSERT ("id") VALUES ("o"."id")',
      ),
    ).toHaveLength(1);
  });

  it("reports WHEN MATCHED THEN DELETE with WHEN NOT MATCHED THEN INSERT: a second run deletes what the first inserted", () => {
    expect(
      repeats(
        'MERGE INTO "t" USING "s" ON "t"."id" = "s"."id" WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT ("id") VALUES ("s"."id")',
      ),
    ).toEqual([
      'MERGE INTO "t" … WHEN MATCHED THEN DELETE with WHEN NOT MATCHED THEN INSERT deletes on a second run the rows the first inserted',
    ]);
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
