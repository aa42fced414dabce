import { beforeAll, describe, expect, it } from "vitest";
import { touchedObjects } from "../snapshot/snapshot-objects.ts";
import { emptySnapshot } from "../snapshot/snapshot.ts";
import { loadParser, parseMigration } from "./parse-migration.ts";
import { commonObjects, indexTables, sqlTouches } from "./touched-objects.ts";

beforeAll(loadParser);

const parsed = (sql: string, file = "m.sql") => parseMigration(file, file, sql);
const touches = (sql: string, history: string[] = []) =>
  sqlTouches(parsed(sql), indexTables(history.map((h) => parsed(h)))).touched;
/** The objects both migrations touch, as `a's label | b's label`. */
const common = (a: string, b: string, history: string[] = []) =>
  commonObjects(touches(a, history), touches(b, history)).map((pair) => `${pair.a} | ${pair.b}`);

describe("the objects a migration's SQL touches", () => {
  it("labels them as the snapshot reader does, so both answers compare", () => {
    const sql = 'CREATE TABLE "t" ("id" integer PRIMARY KEY, "mood" "mood");';
    const snapshot = {
      ...emptySnapshot(),
      tables: {
        "public.t": {
          name: "t",
          schema: "",
          columns: { id: { name: "id", type: "integer", primaryKey: true, notNull: true } },
          indexes: {},
          foreignKeys: {},
          compositePrimaryKeys: {},
          uniqueConstraints: {},
          checkConstraints: {},
          policies: {},
          isRLSEnabled: false,
        },
      },
    };
    const fromSnapshots = touchedObjects(emptySnapshot(), snapshot);
    const fromSql = touches(sql);
    expect([...fromSnapshots.changed]).toEqual([...fromSql.changed].filter(([label]) => !label.includes('"mood"')));
    // A type could be a table's row type (a table and a type cannot share a name): both are used.
    expect([...fromSql.used.keys()]).toEqual(['type "mood"', 'table "mood"']);
    expect([...touches('ALTER TABLE "s"."t" ADD COLUMN "c" text;').changed]).toEqual([
      ['column "s"."t"."c"', 'table "s"."t"'],
    ]);
  });

  it("lets two branches add different columns, indexes or policies to one table", () => {
    expect(common('ALTER TABLE "t" ADD COLUMN "a" text;', 'ALTER TABLE "t" ADD COLUMN "b" text;')).toEqual([]);
    expect(common('CREATE INDEX "t_a_idx" ON "t" ("a");', 'CREATE INDEX "t_b_idx" ON "t" ("b");')).toEqual([]);
    expect(
      common(
        'CREATE POLICY "read" ON "t" FOR SELECT TO "authenticated" USING (true);',
        'CREATE POLICY "write" ON "t" FOR INSERT TO "authenticated" WITH CHECK (true);',
      ),
    ).toEqual([]);
  });

  it("lets one branch change a table that the other's PL/pgSQL function, comment, nextval default or regclass names: the order does not matter", () => {
    const addColumn = 'ALTER TABLE "audit_log" ADD COLUMN "note" text;';
    expect(
      common(
        addColumn,
        'CREATE FUNCTION "audit"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "audit_log" ("what") VALUES (TG_TABLE_NAME); RETURN NEW; END $$;',
      ),
    ).toEqual([]);
    expect(common(addColumn, `COMMENT ON TABLE "audit_log" IS 'kept';`)).toEqual([]);
    expect(
      common(addColumn, `CREATE VIEW "audit_size" AS SELECT pg_relation_size('audit_log'::regclass) AS bytes;`),
    ).toEqual([]);
    expect(
      common(
        'ALTER SEQUENCE "audit_log_id_seq" RESTART;',
        `ALTER TABLE "w" ALTER COLUMN "n" SET DEFAULT nextval('audit_log_id_seq');`,
      ),
    ).toEqual([]);
  });

  it("reads a LOCK TABLE as making nothing: no statement it cannot read, no object in common", () => {
    const { unread } = sqlTouches(parsed('LOCK TABLE "audit_log" IN SHARE MODE;'));
    expect(unread).toEqual([]);
    expect(common('LOCK TABLE "audit_log" IN SHARE MODE;', 'ALTER TABLE "audit_log" ADD COLUMN "note" text;')).toEqual(
      [],
    );
  });

  it("reads a routine's unqualified names in the schema its own search_path names", () => {
    const used = (sql: string) => [...touches(sql).used.keys()];
    expect(
      used(
        `CREATE FUNCTION "f"() RETURNS bigint LANGUAGE sql SET search_path = app, public AS $$ SELECT count(*) FROM "gadget" $$;`,
      ),
    ).toContain('table "app"."gadget"');
    expect(
      used(
        `CREATE FUNCTION "f"() RETURNS bigint LANGUAGE sql SET search_path = "$user", app BEGIN ATOMIC SELECT count(*) FROM "public"."gadget"; END;`,
      ),
    ).toContain('table "gadget"');
  });

  it("tells comments on different routines and types apart, and finds two on the same one", () => {
    expect(common(`COMMENT ON FUNCTION "f"() IS 'a';`, `COMMENT ON FUNCTION "g"() IS 'b';`)).toEqual([]);
    expect(common(`COMMENT ON TYPE "mood" IS 'a';`, `COMMENT ON TYPE "tone" IS 'b';`)).toEqual([]);
    expect(common(`COMMENT ON FUNCTION "f"(integer) IS 'a';`, `COMMENT ON FUNCTION "f"(integer) IS 'b';`)).toEqual([
      'comment on function "f"(pg_catalog.int4) | comment on function "f"(pg_catalog.int4)',
    ]);
  });

  it("reads them as what a later object needs to go on existing when asked (db:revert's check)", () => {
    const dependents = (sql: string) => [
      ...sqlTouches(parsed(sql), new Map(), { dependents: true }).touched.used.keys(),
    ];
    expect(
      dependents(
        'CREATE FUNCTION "audit"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "audit_log" ("what") VALUES (TG_TABLE_NAME); RETURN NEW; END $$;',
      ),
    ).toContain('table "audit_log"');
    expect(dependents(`COMMENT ON TABLE "audit_log" IS 'kept';`)).toContain('table "audit_log"');
    expect(dependents(`ALTER TABLE "w" ALTER COLUMN "n" SET DEFAULT nextval('audit_log_id_seq');`)).toContain(
      'sequence "audit_log_id_seq"',
    );
  });

  it("finds the same column, index, policy, enum or row-level security on both sides", () => {
    expect(common('ALTER TABLE "t" ADD COLUMN "a" text;', 'ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL;')).toEqual([
      'column "t"."a" | column "t"."a"',
    ]);
    expect(common('CREATE POLICY "read" ON "t" FOR SELECT USING (true);', 'DROP POLICY "read" ON "t";')).toEqual([
      'policy "read" on "t" | policy "read" on "t"',
    ]);
    expect(common('ALTER TABLE "t" ENABLE ROW LEVEL SECURITY;', 'ALTER TABLE "t" DISABLE ROW LEVEL SECURITY;')).toEqual(
      ['row-level security on "t" | row-level security on "t"'],
    );
    expect(common(`ALTER TYPE "mood" ADD VALUE 'calm';`, 'ALTER TABLE "t" ADD COLUMN "m" "mood";')).toEqual([
      'type "mood" | type "mood"',
    ]);
    expect(
      common('DROP INDEX "t_a_idx";', 'CREATE INDEX "t_a_idx" ON "t" ("b");', ['CREATE INDEX "t_a_idx" ON "t" ("a");']),
    ).toEqual(['index "t_a_idx" on "t" | index "t_a_idx" on "t"']);
  });

  it("finds what one side relies on and the other changes: foreign keys, indexed columns, renames, data", () => {
    expect(
      common(
        'ALTER TABLE "member" ADD CONSTRAINT "member_org_fk" FOREIGN KEY ("org") REFERENCES "public"."organization"("id");',
        'ALTER TABLE "organization" DROP COLUMN "id";',
      ),
    ).toEqual(['column "organization"."id" | column "organization"."id"']);
    expect(common('CREATE INDEX "t_a_idx" ON "t" (lower("a"));', 'ALTER TABLE "t" RENAME COLUMN "a" TO "b";')).toEqual([
      'column "t"."a" | column "t"."a"',
    ]);
    expect(common('CREATE UNIQUE INDEX "t_a_key" ON "t" ("a");', 'ALTER TABLE "t" DROP COLUMN "a";')).toEqual([
      'column "t"."a" | column "t"."a"',
    ]);
    expect(common(`UPDATE "t" SET "a" = 'x';`, 'ALTER TABLE "t" ADD COLUMN "b" text NOT NULL;')).toEqual([
      'table "t" | column "t"."b"',
    ]);
    expect(common('DROP TABLE "t";', 'ALTER TABLE "t" ADD COLUMN "b" text;')).toEqual(['table "t" | column "t"."b"']);
  });

  it("reads what a function uses: its parameter and result types, and the statements of its SQL body", () => {
    const used = (sql: string) => [...touches(sql).used.keys()];
    expect(
      used('CREATE FUNCTION "f"(g "gadget", n integer) RETURNS SETOF "s"."w" LANGUAGE plpgsql AS $$ BEGIN END $$;'),
    ).toEqual(['type "gadget"', 'table "gadget"', 'type "s"."w"', 'table "s"."w"']);
    // What a query reads from is a table or a view.
    expect(
      used('CREATE FUNCTION "f"() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM "gadget"; END;'),
    ).toEqual(['table "gadget"', 'view "gadget"']);
    expect(used('CREATE FUNCTION "f"() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM "gadget");')).toEqual([
      'table "gadget"',
      'view "gadget"',
    ]);
    // A body's data changes only run when it is called: used, not changed.
    const body = touches(
      `CREATE FUNCTION "f"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "gadget" WHERE "id" < 0 $$;`,
    );
    expect([...body.changed.keys()]).toEqual(['function "f"']);
    expect(
      common('DROP TABLE "gadget";', `CREATE FUNCTION "f"() RETURNS void LANGUAGE sql AS $$ DELETE FROM "gadget" $$;`),
    ).toContain('table "gadget" | rows of "gadget"');
    expect(used('CREATE FUNCTION "f"(n "gadget"."name"%TYPE) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;')).toEqual([
      'column "gadget"."name"',
    ]);
    expect(used('CREATE TYPE "pair" AS ("a" "gadget", "b" integer);')).toEqual(['type "gadget"', 'table "gadget"']);
    const { unread } = sqlTouches(parsed(`CREATE FUNCTION "f"() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$;`));
    expect(unread.map((u) => u.reason.split(" (")[0])).toEqual(["PostgreSQL's parser rejects its SQL body"]);
    const cluster = sqlTouches(parsed(`CREATE FUNCTION "f"() RETURNS void LANGUAGE sql AS $$ CLUSTER "gadget" $$;`));
    expect(cluster.unread.map((u) => u.reason)).toEqual(["ClusterStmt statements are not read in its SQL body"]);
  });

  it("reads a rule (its table, and what its actions use) and extended statistics (their table and columns)", () => {
    const rule = touches(
      `CREATE RULE "w_log" AS ON INSERT TO "widget" DO ALSO INSERT INTO "gadget" VALUES (NEW.id, 'x');`,
    );
    expect([...rule.changed]).toEqual([['rule "w_log" on "widget"', 'table "widget"']]);
    expect([...rule.used.keys()]).toEqual(['rows of "gadget"', 'table "gadget"']);
    expect(
      common('DROP TABLE "gadget";', `CREATE RULE "w_nothing" AS ON DELETE TO "widget" DO INSTEAD NOTHING;`),
    ).toEqual([]);
    expect(common('CREATE RULE "r" AS ON UPDATE TO "t" DO INSTEAD NOTHING;', 'DROP RULE "r" ON "t";')).toEqual([
      'rule "r" on "t" | rule "r" on "t"',
    ]);
    const stats = touches('CREATE STATISTICS "g_st" ON "id", "name" FROM "gadget";');
    expect([...stats.changed]).toEqual([['statistics "g_st" on "gadget"', 'table "gadget"']]);
    expect(
      common('ALTER TABLE "gadget" DROP COLUMN "name";', 'CREATE STATISTICS "g_st" ON "id", "name" FROM "gadget";'),
    ).toEqual(['column "gadget"."name" | column "gadget"."name"']);
  });

  it("reads the statements inside DO blocks, and lists what it cannot read instead of guessing", () => {
    const guarded = touches(
      `DO $$ BEGIN
 ALTER TABLE "t" ADD CONSTRAINT "t_fk" FOREIGN KEY ("o") REFERENCES "o"("id");
EXCEPTION WHEN duplicate_object THEN null;
END $$;`,
    );
    expect([...guarded.changed.keys()]).toEqual(['constraint "t_fk" on "t"']);
    const { unread } = sqlTouches(
      parsed(
        [
          "DO $$ BEGIN PERFORM 1; END $$;",
          "--> statement-breakpoint",
          'CLUSTER "t" USING "t_pkey";',
          "--> statement-breakpoint",
          "CREATE TABEL oops ();",
        ].join("\n"),
      ),
    );
    expect(unread.map((u) => [u.line, u.reason.split(" (")[0]])).toEqual([
      [1, "a DO block with PL/pgSQL it cannot read"],
      [3, "ClusterStmt statements are not read"],
      [5, "PostgreSQL's parser rejects it"],
    ]);
  });
});
