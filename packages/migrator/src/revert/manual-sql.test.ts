import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import { type ManualSqlContext, REVERT_TODO_MARKER, reverseManualSql, todoBlock } from "./manual-sql.ts";

beforeAll(loadParser);

function context(sql: string, overrides: Partial<ManualSqlContext> = {}): ManualSqlContext {
  return {
    file: "0004_example.sql",
    sql,
    generated: [],
    after: {
      tables: new Set(["note"]),
      parts: new Map([["note", new Set(["id", "body", "note_pkey", "note_body_idx", "note_select"])]]),
      enums: new Set(["note_kind"]),
      roles: new Set(),
    },
    droppedTables: new Set(),
    earlierSql: [],
    ...overrides,
  };
}

describe("recognising what Drizzle Kit generated", () => {
  it("sees a guarded statement as the one Drizzle Kit generated", () => {
    const none = { before: [], after: [], todos: [], notes: [], touched: [] };
    const notInSnapshot = {
      after: { tables: new Set<string>(), parts: new Map(), enums: new Set<string>(), roles: new Set<string>() },
    };
    const guarded = `DO $$ BEGIN\n  CREATE POLICY "p" ON "note" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`;
    const policy = `CREATE POLICY "p" ON "note" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);`;
    expect(reverseManualSql(context(guarded, { generated: [policy], ...notInSnapshot }))).toEqual(none);
    const index = `CREATE INDEX "i" ON "note" USING btree ("body");`;
    const guardedIndex = `CREATE INDEX IF NOT EXISTS "i"\nON "note" USING btree ("body");`;
    expect(reverseManualSql(context(guardedIndex, { generated: [index], ...notInSnapshot }))).toEqual(none);
    // Without the generated statement, the same SQL is hand-written: the revert must undo it.
    expect(reverseManualSql(context(guardedIndex, notInSnapshot)).before.map((s) => s.sql)).toEqual([
      `DROP INDEX IF EXISTS "i";`,
    ]);
  });

  it("does not take a DO block that does more than plain statements as generated", () => {
    const sql = `DO $$ BEGIN\n  CREATE POLICY "note_select" ON "note" USING (true);\n  EXECUTE 'GRANT SELECT ON note TO x';\nEND $$;`;
    expect(reverseManualSql(context(sql)).todos.map((t) => t.message)).toEqual([
      "undo what this DO block did (roles are cluster-wide: usually keep them)",
    ]);
  });
});

describe("reverseManualSql", () => {
  it("skips what Drizzle Kit generates and what the snapshot records", () => {
    const sql = [
      `CREATE TABLE IF NOT EXISTS "note" ("id" text PRIMARY KEY NOT NULL, "body" text);`,
      `CREATE INDEX IF NOT EXISTS "note_body_idx" ON "note" USING btree ("body");`,
      `DO $$ BEGIN\n  CREATE TYPE "public"."note_kind" AS ENUM('a');\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
    ].join("--> statement-breakpoint\n");
    const result = reverseManualSql(context(sql));
    expect(result).toEqual({ before: [], after: [], todos: [], notes: [], touched: [] });
  });

  it("derives the reverse of an extension, a custom index, a hand-added column and FORCE ROW LEVEL SECURITY", () => {
    const sql = [
      `CREATE EXTENSION IF NOT EXISTS "pg_trgm";`,
      `CREATE INDEX "note_trgm_idx" ON "public"."note" USING gin ("body" gin_trgm_ops);`,
      `ALTER TABLE "note" ADD COLUMN "words" integer GENERATED ALWAYS AS (array_length(string_to_array("body", ' '), 1)) STORED;`,
      `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`,
    ].join("--> statement-breakpoint\n");
    const result = reverseManualSql(context(sql));
    expect(result.before.map((s) => s.sql)).toEqual([
      `ALTER TABLE "note" NO FORCE ROW LEVEL SECURITY;`,
      `ALTER TABLE "note" DROP COLUMN IF EXISTS "words";`,
      `DROP INDEX IF EXISTS "note_trgm_idx";`,
    ]);
    expect(result.before[1]?.dataLoss).toBe(`drops column "note"."words" and its values`);
    expect(result.after.map((s) => s.sql)).toEqual([`DROP EXTENSION IF EXISTS "pg_trgm";`]);
    expect(result.touched.map((t) => t.label)).toContain(`extension "pg_trgm"`);
  });

  it("names the schema of a hand-written index outside the default one, so its drop finds it", () => {
    const sql = `CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_hand_idx" ON "App Data"."Events" USING btree ("at");`;
    expect(reverseManualSql(context(sql)).before.map((s) => s.sql)).toEqual([
      `DROP INDEX IF EXISTS "App Data"."events_hand_idx";`,
    ]);
  });

  it("keeps an extension an earlier migration created, and needs nothing for grants on dropped tables", () => {
    const sql = `CREATE EXTENSION IF NOT EXISTS vector;--> statement-breakpoint\nREVOKE INSERT, UPDATE ON "note" FROM "authenticated";`;
    const result = reverseManualSql(
      context(sql, {
        droppedTables: new Set(["note"]),
        earlierSql: [{ file: "0001_x.sql", sql: "CREATE EXTENSION vector;" }],
      }),
    );
    expect(result.before).toEqual([]);
    expect(result.after).toEqual([]);
    expect(result.todos).toEqual([]);
    expect(result.notes).toEqual([
      `keeps extension "vector": 0001_x.sql created it already (0004_example.sql:1)`,
      `nothing to undo for a REVOKE on "note": the revert drops them (0004_example.sql:2)`,
    ]);
  });

  it("leaves a TODO, located at the statement's first line of code, for what it cannot derive", () => {
    const sql = `CREATE TABLE "note" ("id" text);--> statement-breakpoint\n-- Manual addition: tenants read notes\nGRANT SELECT ON "note" TO "authenticated";`;
    const result = reverseManualSql(context(sql));
    expect(result.todos).toEqual([
      {
        message: "revoke what this GRANT gave, unless the role had it before (REVOKE … FROM …)",
        statement: `GRANT SELECT ON "note" TO "authenticated";`,
        location: "0004_example.sql:3",
      },
    ]);
    const block = todoBlock(result.todos[0]!);
    expect(block.startsWith(`${REVERT_TODO_MARKER} revoke what this GRANT gave`)).toBe(true);
    expect(
      block
        .split("\n")
        .filter(Boolean)
        .every((line) => line.startsWith("--")),
    ).toBe(true);
  });
});
