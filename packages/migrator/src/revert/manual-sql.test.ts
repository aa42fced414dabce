import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import type { SnapshotNames } from "../snapshot/snapshot-objects.ts";
import { type ManualSqlContext, REVERT_TODO_MARKER, reverseManualSql, todoBlock } from "./manual-sql.ts";

beforeAll(loadParser);

/** Snapshot names: each table (by its SQL name, `"t"` or `"s"."t"`) with its parts, and those with RLS enabled. */
function names(tables: Record<string, string[]>, rls: string[] = []): SnapshotNames {
  return {
    tables: new Set(Object.keys(tables)),
    parts: new Map(Object.entries(tables).map(([table, parts]) => [table, new Set(parts)])),
    enums: new Set(["note_kind"]),
    roles: new Set(),
    rls: new Set(rls),
  };
}

function context(sql: string, overrides: Partial<ManualSqlContext> = {}): ManualSqlContext {
  return {
    file: "0004_example.sql",
    sql,
    generated: [],
    after: names({ '"note"': ["id", "body", "note_pkey", "note_body_idx", "note_select"] }),
    before: names({ '"note"': ["id", "body", "note_pkey"] }),
    droppedTables: new Set(),
    earlierSql: [],
    ...overrides,
  };
}

describe("recognising what Drizzle Kit generated", () => {
  it("sees a guarded statement as the one Drizzle Kit generated", () => {
    const none = { before: [], after: [], todos: [], notes: [], touched: [] };
    const notInSnapshot = { after: names({}), before: names({}) };
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
        droppedTables: new Set(['"note"']),
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

describe("hand-written SQL on another schema", () => {
  it("undoes it on that schema, and does not take audit.note for the snapshot's public note", () => {
    const sql = [
      `CREATE TABLE "audit"."note" ("id" integer);`,
      `CREATE INDEX "audit_note_id_idx" ON "audit"."note" ("id");`,
      `ALTER TABLE "audit"."note" ADD COLUMN "body" text;`,
      `ALTER TABLE "audit"."note" ENABLE ROW LEVEL SECURITY;`,
      `CREATE POLICY "note_select" ON "audit"."note" USING (true);`,
    ].join("--> statement-breakpoint\n");
    const result = reverseManualSql(context(sql));
    expect(result.before.map((s) => s.sql)).toEqual([
      `DROP POLICY IF EXISTS "note_select" ON "audit"."note";`,
      `ALTER TABLE "audit"."note" DISABLE ROW LEVEL SECURITY;`,
      `ALTER TABLE "audit"."note" DROP COLUMN IF EXISTS "body";`,
      `DROP INDEX IF EXISTS "audit"."audit_note_id_idx";`,
      `DROP TABLE IF EXISTS "audit"."note";`,
    ]);
    expect(result.before.at(-1)?.dataLoss).toBe(`drops table "audit"."note" and its rows`);
  });

  it("leaves a TODO for an unqualified name once the migration sets search_path", () => {
    const sql = `SET search_path TO audit;--> statement-breakpoint\nCREATE TABLE "log" ("id" integer);`;
    const result = reverseManualSql(context(sql));
    expect(result.before).toEqual([]);
    expect(result.todos.map((t) => t.location)).toEqual(["0004_example.sql:1", "0004_example.sql:2"]);
    expect(result.todos[1]?.message).toMatch(/sets search_path, so the schema of this unqualified name is unknown/);
  });
});

describe("what the reverted migration only restated", () => {
  const earlierSql = [
    {
      file: "0002_audit.sql",
      sql: [
        `CREATE TABLE "audit_log" ("id" bigserial PRIMARY KEY, "msg" text);`,
        `CREATE INDEX "audit_log_msg_idx" ON "audit_log" ("msg");`,
        `ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`,
        `CREATE POLICY "audit_log_tenant" ON "audit_log" USING (true);`,
        `ALTER TABLE "note" ADD COLUMN "legacy_ref" text;`,
      ].join("--> statement-breakpoint\n"),
    },
  ];

  it("keeps what existed before: IF NOT EXISTS restatements and a repeated ENABLE/FORCE are not undone", () => {
    const sql = [
      `CREATE TABLE IF NOT EXISTS "audit_log" ("id" bigserial PRIMARY KEY, "msg" text);`,
      `CREATE INDEX IF NOT EXISTS "audit_log_msg_idx" ON "audit_log" ("msg");`,
      `ALTER TABLE "note" ADD COLUMN IF NOT EXISTS "legacy_ref" text;`,
      `ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;`,
      `ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;`,
      `ALTER TABLE "note" ADD COLUMN IF NOT EXISTS "body" text;`,
      `ALTER TABLE "audit_log" ADD COLUMN "at" timestamptz;`,
    ].join("--> statement-breakpoint\n");
    const result = reverseManualSql(context(sql, { earlierSql }));
    expect(result.before.map((s) => s.sql)).toEqual([`ALTER TABLE "audit_log" DROP COLUMN IF EXISTS "at";`]);
    expect(result.todos).toEqual([]);
    expect(result.notes).toEqual([
      `keeps table "audit_log": it existed before 0004_example.sql (0002_audit.sql), which only restated it (0004_example.sql:1)`,
      `keeps index "audit_log_msg_idx": it existed before 0004_example.sql (0002_audit.sql), which only restated it (0004_example.sql:2)`,
      `keeps column "note"."legacy_ref": it existed before 0004_example.sql (0002_audit.sql), which only restated it (0004_example.sql:3)`,
      `keeps FORCE ROW LEVEL SECURITY on "audit_log": it was in force before 0004_example.sql (0002_audit.sql) (0004_example.sql:4)`,
      `keeps ENABLE ROW LEVEL SECURITY on "audit_log": it was in force before 0004_example.sql (0002_audit.sql) (0004_example.sql:5)`,
      // "body" is in the snapshot after, so covered: nothing said.
    ]);
  });

  it("reads the snapshot before the migration too, and follows earlier drops and NO FORCE", () => {
    const sql = [
      `ALTER TABLE "note" ADD COLUMN IF NOT EXISTS "words" integer;`,
      `ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;`,
      `CREATE INDEX IF NOT EXISTS "audit_log_msg_idx" ON "audit_log" ("msg");`,
    ].join("--> statement-breakpoint\n");
    const later = {
      file: "0003_relax.sql",
      sql: `ALTER TABLE "audit_log" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint\nDROP INDEX "audit_log_msg_idx";`,
    };
    const result = reverseManualSql(
      context(sql, {
        earlierSql: [...earlierSql, later],
        before: names({ '"note"': ["id", "body", "note_pkey", "words"] }),
      }),
    );
    expect(result.notes).toEqual([
      `keeps column "note"."words": it existed before 0004_example.sql (the snapshot before 0004_example.sql records it), which only restated it (0004_example.sql:1)`,
    ]);
    expect(result.before.map((s) => s.sql)).toEqual([
      `DROP INDEX IF EXISTS "audit_log_msg_idx";`,
      `ALTER TABLE "audit_log" NO FORCE ROW LEVEL SECURITY;`,
    ]);
  });

  it("leaves a TODO, never a drop, for a policy or table created again after it existed", () => {
    const sql = [
      `DROP POLICY "audit_log_tenant" ON "audit_log";`,
      `CREATE POLICY "audit_log_tenant" ON "audit_log" USING (false);`,
      `CREATE TABLE "audit_log" ("id" integer);`,
    ].join("--> statement-breakpoint\n");
    const result = reverseManualSql(context(sql, { earlierSql }));
    expect(result.before).toEqual([]);
    expect(result.todos.map((t) => t.message.split(":")[0])).toEqual([
      "write the reverse of this hand-written statement, or delete this block if it needs none",
      `policy "audit_log_tenant" on "audit_log" existed before (0002_audit.sql) and this statement created it again`,
      `table "audit_log" existed before (0002_audit.sql) and this statement created it again`,
    ]);
  });
});

describe("row-level security the snapshot does not record as enabled", () => {
  it("undoes a hand-written ENABLE with DISABLE when RLS was off before, and leaves it to Drizzle Kit when the snapshots record it", () => {
    const sql = `ALTER TABLE "note" ENABLE ROW LEVEL SECURITY;`;
    expect(reverseManualSql(context(sql)).before.map((s) => s.sql)).toEqual([
      `ALTER TABLE "note" DISABLE ROW LEVEL SECURITY;`,
    ]);
    const recorded = { after: names({ '"note"': [] }, ['"note"']) };
    expect(reverseManualSql(context(sql, recorded)).before).toEqual([]);
    const wasOn = { after: names({ '"note"': [] }, ['"note"']), before: names({ '"note"': [] }, ['"note"']) };
    expect(reverseManualSql(context(sql, wasOn)).notes).toEqual([
      `keeps ENABLE ROW LEVEL SECURITY on "note": it was in force before 0004_example.sql (the snapshot before 0004_example.sql records it) (0004_example.sql:1)`,
    ]);
  });
});

describe("what earlier migrations renamed, moved, copied or made out of sight", () => {
  const B = "--> statement-breakpoint\n";
  const revert = (earlier: string, sql: string) =>
    reverseManualSql(context(sql, { earlierSql: [{ file: "0003_earlier.sql", sql: earlier }] }));
  const kept = (what: string) =>
    `keeps ${what}: it existed before 0004_example.sql (0003_earlier.sql), which only restated it (0004_example.sql:1)`;

  it("follows a renamed table, with its columns", () => {
    const earlier = `CREATE TABLE "legacy" ("id" int);${B}ALTER TABLE "legacy" RENAME TO "archive";`;
    const result = revert(
      earlier,
      `CREATE TABLE IF NOT EXISTS "archive" ("id" int);${B}ALTER TABLE "archive" ADD COLUMN IF NOT EXISTS "id" int;`,
    );
    expect(result.before).toEqual([]);
    expect(result.notes).toEqual([
      kept(`table "archive"`),
      kept(`column "archive"."id"`).replace("example.sql:1)", "example.sql:2)"),
    ]);
  });

  it("follows a renamed index and a renamed column", () => {
    const index = `CREATE INDEX "old_idx" ON "note" ("body");${B}ALTER INDEX "old_idx" RENAME TO "note_words_idx";`;
    const restatedIndex = revert(index, `CREATE INDEX IF NOT EXISTS "note_words_idx" ON "note" ("body");`);
    expect(restatedIndex.before).toEqual([]);
    expect(restatedIndex.notes).toEqual([kept(`index "note_words_idx"`)]);
    const column = `ALTER TABLE "note" ADD COLUMN "legacy_memo" text;${B}ALTER TABLE "note" RENAME COLUMN "legacy_memo" TO "memo";`;
    const restatedColumn = revert(column, `ALTER TABLE "note" ADD COLUMN IF NOT EXISTS "memo" text;`);
    expect(restatedColumn.before).toEqual([]);
    expect(restatedColumn.notes).toEqual([kept(`column "note"."memo"`)]);
  });

  it("follows a table moved by SET SCHEMA, with its index", () => {
    const earlier = [
      `CREATE SCHEMA "archive";`,
      `CREATE TABLE "public"."logs" ("id" int);`,
      `CREATE INDEX "logs_id_idx" ON "logs" ("id");`,
      `ALTER TABLE "logs" SET SCHEMA "archive";`,
    ].join(B);
    const sql = `CREATE TABLE IF NOT EXISTS "archive"."logs" ("id" int);${B}CREATE INDEX IF NOT EXISTS "logs_id_idx" ON "archive"."logs" ("id");`;
    const result = revert(earlier, sql);
    expect(result.before).toEqual([]);
    expect(result.notes).toEqual([
      kept(`table "archive"."logs"`),
      kept(`index "archive"."logs_id_idx"`).replace("example.sql:1)", "example.sql:2)"),
    ]);
  });

  it("sees the tables CREATE TABLE AS and SELECT INTO make", () => {
    const createAs = revert(
      `CREATE TABLE "snap" AS SELECT 1 AS "id";`,
      `CREATE TABLE IF NOT EXISTS "snap" ("id" int);`,
    );
    expect(createAs.before).toEqual([]);
    expect(createAs.notes).toEqual([kept(`table "snap"`)]);
    const selectInto = revert(`SELECT 1 AS "id" INTO "snap2";`, `CREATE TABLE IF NOT EXISTS "snap2" ("id" int);`);
    expect(selectInto.before).toEqual([]);
    expect(selectInto.notes).toEqual([kept(`table "snap2"`)]);
  });

  it("leaves a TODO, never a drop, for a constraint made again after an earlier migration made it", () => {
    const earlier = `ALTER TABLE "note" ADD CONSTRAINT "note_pos" CHECK ("id" <> '');`;
    const sql = `ALTER TABLE "note" DROP CONSTRAINT IF EXISTS "note_pos";${B}ALTER TABLE "note" ADD CONSTRAINT "note_pos" CHECK ("id" > '');`;
    const result = revert(earlier, sql);
    expect(result.before).toEqual([]);
    expect(result.todos.map((t) => t.message.split(":")[0])).toEqual([
      "write the reverse of this hand-written statement, or delete this block if it needs none",
      `constraint "note_pos" on "note" existed before (0003_earlier.sql) and this statement created it again`,
    ]);
    // One made inline by CREATE TABLE counts too; a constraint nothing made before is dropped.
    const inline = revert(
      `CREATE TABLE "t" ("id" int CONSTRAINT "t_pos" CHECK ("id" > 0));`,
      `ALTER TABLE "t" ADD CONSTRAINT "t_pos" CHECK ("id" >= 0);${B}ALTER TABLE "t" ADD CONSTRAINT "t_new" CHECK (true);`,
    );
    expect(inline.todos.map((t) => t.message.split(" existed")[0])).toEqual([`constraint "t_pos" on "t"`]);
    expect(inline.before.map((s) => s.sql)).toEqual([`ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "t_new";`]);
  });

  it("leaves a TODO, never a drop or NO FORCE, for a restatement after SQL it cannot read", () => {
    const force = revert(
      `DO $$ BEGIN EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', 'note'); END $$;`,
      `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`,
    );
    expect(force.before).toEqual([]);
    expect(force.todos.map((t) => t.message)).toEqual([
      `FORCE ROW LEVEL SECURITY on "note" may have existed before 0004_example.sql (0003_earlier.sql runs a DO block that runs EXECUTE, which db:revert cannot read): undo this statement only if it did not`,
    ]);
    const extension = revert(
      `DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS pg_trgm'; END $$;`,
      `CREATE EXTENSION IF NOT EXISTS "pg_trgm";`,
    );
    expect(extension.after).toEqual([]);
    expect(extension.todos.map((t) => t.message.split(" may")[0])).toEqual([`extension "pg_trgm"`]);
    const index = revert(
      `DO $$ BEGIN EXECUTE 'CREATE INDEX note_words_idx ON note (body)'; END $$;`,
      `CREATE INDEX IF NOT EXISTS "note_words_idx" ON "note" ("body");${B}CREATE INDEX "note_new_idx" ON "note" ("body");`,
    );
    // Without IF NOT EXISTS the index cannot have existed: its drop stays.
    expect(index.before.map((s) => s.sql)).toEqual([`DROP INDEX IF EXISTS "note_new_idx";`]);
    expect(index.todos.map((t) => t.message.split(" may")[0])).toEqual([`index "note_words_idx"`]);
    // A loop over the catalog names no table, but FORCE is its business: never a NO FORCE after it.
    const loop = revert(
      `DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n  EXECUTE format('ALTER TABLE %I FORCE   ROW  LEVEL SECURITY', t);\nEND LOOP; END $$;`,
      `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`,
    );
    expect(loop.before).toEqual([]);
    expect(loop.todos.map((t) => t.message.split(" may")[0])).toEqual([`FORCE ROW LEVEL SECURITY on "note"`]);
  });

  it("leaves a TODO for a restatement of what an earlier migration made where names or columns are not spelled out", () => {
    const restated = (earlier: string, target: string) =>
      revert(earlier, target).todos.map((t) => t.message.split(" may")[0]);
    // Made under another search_path: the replay cannot tell which schema "log" went to.
    expect(
      restated(
        `SET search_path TO audit;${B}CREATE TABLE log (id int);`,
        `CREATE TABLE IF NOT EXISTS "audit"."log" ("id" int);`,
      ),
    ).toEqual([`table "audit"."log"`]);
    expect(
      restated(
        `SELECT set_config('search_path', 'audit', false);${B}CREATE TABLE log (id int);`,
        `CREATE TABLE IF NOT EXISTS "audit"."log" ("id" int);`,
      ),
    ).toEqual([`table "audit"."log"`]);
    expect(
      restated(
        `CREATE SCHEMA audit CREATE TABLE log (id int);`,
        `CREATE TABLE IF NOT EXISTS "audit"."log" ("id" int);`,
      ),
    ).toEqual([`table "audit"."log"`]);
    // Columns from a query or another table: the statement does not list them.
    const column = `ALTER TABLE "snap" ADD COLUMN IF NOT EXISTS "note" text;`;
    expect(restated(`CREATE TABLE snap AS SELECT 1 AS id, 'x'::text AS note;`, column)).toEqual([
      `column "snap"."note"`,
    ]);
    expect(restated(`CREATE TABLE base (id int, note text);${B}CREATE TABLE snap (LIKE base);`, column)).toEqual([
      `column "snap"."note"`,
    ]);
    // A setting other than search_path changes nothing of the kind.
    const other = revert(
      `SELECT set_config('app.x', '1', false);${B}CREATE TABLE t (id int);`,
      `ALTER TABLE "snap2" ADD COLUMN IF NOT EXISTS "n" int;`,
    );
    expect(other.todos).toEqual([]);
  });

  it("takes a call of a routine an earlier migration created as SQL it cannot read", () => {
    const routine = `CREATE FUNCTION "harden"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE note FORCE ROW LEVEL SECURITY; END $$;`;
    const called = revert(`${routine}${B}SELECT "harden"();`, `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`);
    expect(called.before).toEqual([]);
    expect(called.todos.map((t) => t.message.split(" may")[0])).toEqual([`FORCE ROW LEVEL SECURITY on "note"`]);
    expect(called.todos[0]?.message).toContain(
      `(0003_earlier.sql runs a call of "harden", which db:revert cannot read)`,
    );
    // Reached through another routine that calls it: the same.
    const indirect = revert(
      `${routine}${B}CREATE FUNCTION "setup"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM "harden"(); END $$;${B}SELECT "setup"();`,
      `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`,
    );
    expect(indirect.before).toEqual([]);
    expect(indirect.todos.map((t) => t.message.split(" may")[0])).toEqual([`FORCE ROW LEVEL SECURITY on "note"`]);
    // A built-in function call is no such statement.
    const builtIn = revert(`SELECT set_config('app.x', '1', false);`, `ALTER TABLE "note" FORCE ROW LEVEL SECURITY;`);
    expect(builtIn.before.map((s) => s.sql)).toEqual([`ALTER TABLE "note" NO FORCE ROW LEVEL SECURITY;`]);
  });
});
