import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseMigration } from "./parse-migration.ts";
import { commitsWithin } from "./transaction-control.ts";

beforeAll(loadParser);

const firstStatement = (sql: string) => parseMigration("0000_t", "t.sql", sql).statements[0]!;

describe("commitsWithin: a statement that may commit part of its own work as it runs", () => {
  it.each([
    ["a top-level CALL", "CALL batch();"],
    ["a DO block that commits between batches", "DO $$ BEGIN INSERT INTO t VALUES (1); COMMIT; END $$;"],
    ["a DO block that rolls back", "DO $$ BEGIN INSERT INTO t VALUES (1); ROLLBACK; END $$;"],
    ["a DO block that calls a procedure (which may commit)", "DO $$ BEGIN CALL batch(); END $$;"],
    ["a DO block that runs a string (which may be COMMIT)", "DO $$ BEGIN EXECUTE 'COMMIT'; END $$;"],
  ])("%s", (_name, sql) => {
    expect(commitsWithin(firstStatement(sql))).toBe(true);
  });

  it.each([
    ["a plain statement", "INSERT INTO t VALUES (1);"],
    ["a DO block of plain statements", "DO $$ BEGIN INSERT INTO t VALUES (1); END $$;"],
    ["a DO block that PERFORMs a function (a function cannot commit)", "DO $$ BEGIN PERFORM f(); END $$;"],
  ])("not %s", (_name, sql) => {
    expect(commitsWithin(firstStatement(sql))).toBe(false);
  });
});
