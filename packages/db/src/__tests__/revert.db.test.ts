/**
 * db:revert against real databases: for each migration from 0002 on, the reverting migration
 * applied on top of the history up to that migration gives back the catalog of the migration
 * before it (one that only validated constraints leaves it as it is: nothing to undo), and its
 * data-loss markers name exactly the tables, columns and extensions that disappear. One database
 * per engine: the history is applied step by step, each revert (twice: it is re-runnable) inside
 * a transaction that is rolled back, or, for the revert of a migration that worked CONCURRENTLY
 * (a no-transaction one), applied for real and then undone by applying that migration again.
 */
import { isDeepStrictEqual } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import {
  coverageReport,
  type Driver,
  planRevert,
  readMigrationFolder,
  splitStatements,
  writeRevert,
} from "@repo/migrator";
import { type CatalogSnapshot, catalogSnapshot, diffCatalogs } from "@repo/migrator/testing";
import { createTestDatabase, MIGRATIONS_FOLDER, type TestDatabase } from "../testing/test-database.ts";
import { RLS_CONFIG } from "../project.ts";
import { scratchMigrations } from "../testing/scratch-migrations.ts";
import { generateInto } from "../testing/generate-migration.ts";
import { sql } from "drizzle-orm";
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  unique as uniqueConstraint,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const entries = readMigrationFolder(MIGRATIONS_FOLDER).migrations;
type Entry = (typeof entries)[number];

async function applyFile(driver: Driver, fileText: string): Promise<void> {
  for (const statement of splitStatements(fileText)) await driver.exec(statement.sql);
}

/** Applies one migration as the runner would: in a transaction unless it is marked no-transaction. */
async function applyMigration(driver: Driver, entry: Entry): Promise<void> {
  if (entry.noTransaction) return applyFile(driver, entry.sql);
  await driver.exec("BEGIN");
  await applyFile(driver, entry.sql);
  await driver.exec("COMMIT");
}

/** The catalog after applying `fileText` (`times` over), which is then rolled back. */
async function catalogWith(driver: Driver, fileText: string, times = 1): Promise<CatalogSnapshot> {
  await driver.exec("BEGIN");
  try {
    for (let i = 0; i < times; i++) await applyFile(driver, fileText);
    return await catalogSnapshot(driver);
  } finally {
    await driver.exec("ROLLBACK");
  }
}

/**
 * The catalog after applying the folder's last migration (a revert of `reverted`) twice: each
 * statement db:revert writes is guarded, so the file runs a second time without error, as
 * db:review asks of every migration from the guard baseline on (a no-transaction one is run again
 * from the top after a failure). One that runs in a transaction is rolled back afterwards. A
 * no-transaction one cannot be: the catalog is read, and `reverted`, itself re-runnable, applied
 * again to come back.
 */
async function catalogAfterRevert(driver: Driver, folder: string, reverted: Entry): Promise<CatalogSnapshot> {
  const revert = readMigrationFolder(folder).migrations.at(-1) as Entry;
  if (!revert.noTransaction) return catalogWith(driver, revert.sql, 2);
  await applyMigration(driver, revert);
  await applyMigration(driver, revert);
  const catalog = await catalogSnapshot(driver);
  await applyMigration(driver, reverted);
  return catalog;
}

/** The catalog without NOT VALID on its constraints: what VALIDATE CONSTRAINT changes left out. */
function validity(catalog: CatalogSnapshot): CatalogSnapshot {
  return { ...catalog, constraints: catalog.constraints.map((c) => c.replace(/ NOT VALID$/, "")) };
}

function unquote(name: string): string {
  return name.replace(/^"|"$/g, "").replace(/""/g, '"');
}

/** A catalog table line (`public."user" rls=t force=f`) → its unquoted name. */
function tableName(line: string): string {
  return unquote(line.split(" ")[0]?.split(".")[1] ?? "");
}

/**
 * What the data-loss markers should name: tables, columns of surviving tables, and extensions
 * (whose own tables may hold data) that `from` has and `to` lacks.
 */
function expectedDrops(from: CatalogSnapshot, to: CatalogSnapshot): string[] {
  const diff = diffCatalogs(from, to);
  // A table line also carries its RLS state: a table whose line changed but that `to` still has is not dropped.
  const kept = new Set(diff.tables.onlyInSecond.map(tableName));
  const tables = diff.tables.onlyInFirst.map(tableName).filter((t) => !kept.has(t));
  const columns = diff.columns.onlyInFirst
    .map((c) => (c.split(" ")[0] ?? "").split(".").map(unquote))
    .filter(([, table]) => !tables.includes(table ?? ""))
    .map(([, table, column]) => `drops column "${table}"."${column}" and its values`);
  const extensions = diff.extensions.onlyInFirst.map((e) => `drops extension "${e}" and whatever its own tables hold`);
  return [...tables.map((t) => `drops table "${t}" and its rows`), ...columns, ...extensions].sort();
}

let t: TestDatabase;
/** catalogs[i]: the catalog after migrations 0..i. */
const catalogs: CatalogSnapshot[] = [];

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  for (const entry of entries.slice(0, 2)) await applyMigration(t.driver, entry);
  catalogs[1] = await catalogSnapshot(t.driver);
});
afterAll(async () => {
  await t?.close();
});

describe("a reverting migration on a real database", () => {
  it.each(entries.slice(2).map((e, i) => [e.tag, i + 2] as const))(
    "reverting %s on top of the history up to it gives back the catalog of the migration before it",
    async (_tag, k) => {
      await applyMigration(t.driver, entries[k] as Entry);
      catalogs[k] = await catalogSnapshot(t.driver);
      const scratch = scratchMigrations(k);
      try {
        const plan = await planRevert({ folder: scratch.dir });
        writeRevert(plan);
        const reverted = await catalogAfterRevert(t.driver, scratch.dir, entries[k] as Entry);
        // A migration that only validated constraints (0016) has nothing to undo: PostgreSQL has no
        // way back to NOT VALID, and a constraint that holds needs none.
        const onlyValidated =
          !isDeepStrictEqual(catalogs[k - 1], catalogs[k]) &&
          isDeepStrictEqual(validity(catalogs[k - 1] as CatalogSnapshot), validity(catalogs[k] as CatalogSnapshot));
        expect(reverted).toEqual(onlyValidated ? catalogs[k] : catalogs[k - 1]);
        // The next step starts from the history up to this migration, whichever way the revert ran.
        expect(await catalogSnapshot(t.driver)).toEqual(catalogs[k]);
        expect(plan.dataLoss.map((d) => d.message).sort()).toEqual(
          expectedDrops(catalogs[k] as CatalogSnapshot, catalogs[k - 1] as CatalogSnapshot),
        );
      } finally {
        scratch.remove();
      }
    },
  );

  it("reverting the earlier 0008 on the full history removes exactly what 0008 added", async () => {
    const [after7, after8, afterLast] = [catalogs[7], catalogs[8], catalogs[entries.length - 1]];
    if (!after7 || !after8 || !afterLast) throw new Error("needs the catalogs recorded by the tests above");
    const scratch = scratchMigrations();
    try {
      const plan = await planRevert({ folder: scratch.dir, tag: "0008" });
      const reverted = await catalogWith(t.driver, plan.migration.sql);
      expect(diffCatalogs(afterLast, reverted)).toEqual(diffCatalogs(after8, after7));
    } finally {
      scratch.remove();
    }
  });

  it("reverting 0009 on the full history, once 0017 (which re-keyed its table) is reverted, removes exactly what 0009 added", async () => {
    const [after8, after9, after16, after17] = [catalogs[8], catalogs[9], catalogs[16], catalogs[17]];
    const afterLast = catalogs[entries.length - 1];
    const rekey = entries[17];
    expect(rekey?.tag).toBe("0017_tenant-chunk-source-key");
    if (!after8 || !after9 || !after16 || !after17 || !afterLast || !rekey)
      throw new Error("needs the catalogs recorded by the tests above");
    const scratch = scratchMigrations();
    try {
      writeRevert(await planRevert({ folder: scratch.dir, tag: "0017" }));
      // The revert of 0017 works CONCURRENTLY: applied for real, then undone by applying 0017 again.
      await applyMigration(t.driver, readMigrationFolder(scratch.dir).migrations.at(-1) as Entry);
      const withoutRekey = await catalogSnapshot(t.driver);
      expect(diffCatalogs(afterLast, withoutRekey)).toEqual(diffCatalogs(after17, after16));
      const plan = await planRevert({ folder: scratch.dir, tag: "0009" });
      const reverted = await catalogWith(t.driver, plan.migration.sql);
      expect(diffCatalogs(withoutRekey, reverted)).toEqual(diffCatalogs(after9, after8));
    } finally {
      await applyMigration(t.driver, rekey);
      scratch.remove();
    }
    expect(await catalogSnapshot(t.driver)).toEqual(afterLast);
  });
});

describe("Drizzle's migrator", () => {
  it("applies the written revert of 0009 after 0000–0009, as the eleventh migration", async () => {
    const after8 = catalogs[8];
    if (!after8) throw new Error("needs the catalogs recorded by the tests above");
    const scratch = scratchMigrations(9);
    const fresh = await createTestDatabase({ migrate: false });
    try {
      writeRevert(await planRevert({ folder: scratch.dir }));
      if (fresh.engine === "pglite") await migratePglite(fresh.db as never, { migrationsFolder: scratch.dir });
      else await migratePg(fresh.db as never, { migrationsFolder: scratch.dir });
      const [row] = await fresh.driver.query<{ count: number }>(
        "select count(*)::int as count from drizzle.__drizzle_migrations",
      );
      expect(row?.count).toBe(11);
      expect(await catalogSnapshot(fresh.driver)).toEqual(after8);
    } finally {
      await fresh.close();
      scratch.remove();
    }
  });
});

/**
 * Hand-written SQL on top of the history up to 0009, its revert applied on a real database inside a
 * transaction that is rolled back: what the revert must undo goes, what was there before stays.
 */
describe("the revert of hand-written SQL on a real database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    for (const entry of entries.slice(0, 10)) await applyMigration(db.driver, entry);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Adds the migrations (snapshot unchanged: all hand-written), writes the revert of the last, applies all, runs `check`, rolls back. */
  async function revertApplied(migrations: Record<string, string>, check: (revertSql: string) => Promise<void>) {
    const scratch = scratchMigrations(9);
    try {
      for (const [name, sql] of Object.entries(migrations)) scratch.add(name, sql);
      const plan = await planRevert({ folder: scratch.dir });
      await db.driver.exec("BEGIN");
      try {
        for (const entry of readMigrationFolder(scratch.dir).migrations.slice(10))
          await applyFile(db.driver, entry.sql);
        await check(plan.migration.sql);
      } finally {
        await db.driver.exec("ROLLBACK");
      }
    } finally {
      scratch.remove();
    }
  }

  const one = async (sql: string) => (await db.driver.query<Record<string, unknown>>(sql))[0];

  it("undoes a table created on another schema there, leaving public's table of that name and its rows", async () => {
    await revertApplied(
      {
        public_log: 'CREATE TABLE "log" ("id" integer, "msg" text);',
        audit_log: [
          'CREATE SCHEMA "audit";',
          'CREATE TABLE "audit"."log" ("id" integer);',
          'CREATE INDEX "audit_log_id_idx" ON "audit"."log" ("id");',
          'ALTER TABLE "audit"."log" ADD COLUMN "msg" text;',
        ].join("--> statement-breakpoint\n"),
      },
      async (revertSql) => {
        await db.driver.exec(`INSERT INTO "log" VALUES (1, 'kept')`);
        await applyFile(db.driver, revertSql);
        expect(await one(`SELECT to_regclass('audit.log')::text AS audit, count(*)::int AS n FROM public.log`)).toEqual(
          {
            audit: null,
            n: 1,
          },
        );
        expect(
          await one(
            `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'public.log'::regclass AND attnum > 0`,
          ),
        ).toEqual({ n: 2 });
      },
    );
  });

  it("keeps what the reverted migration only restated: table, column, index, RLS and FORCE", async () => {
    await revertApplied(
      {
        audit: [
          'CREATE TABLE "audit_log" ("id" bigserial PRIMARY KEY, "msg" text);',
          'ALTER TABLE "audit_log" ADD COLUMN "legacy_ref" text;',
          'CREATE INDEX "audit_log_msg_idx" ON "audit_log" ("msg");',
          'ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;',
          'ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;',
        ].join("--> statement-breakpoint\n"),
        audit_again: [
          'CREATE TABLE IF NOT EXISTS "audit_log" ("id" bigserial PRIMARY KEY, "msg" text);',
          'ALTER TABLE "audit_log" ADD COLUMN IF NOT EXISTS "legacy_ref" text;',
          'CREATE INDEX IF NOT EXISTS "audit_log_msg_idx" ON "audit_log" ("msg");',
          'ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;',
          'ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;',
          'ALTER TABLE "audit_log" ADD COLUMN "at" timestamptz;',
        ].join("--> statement-breakpoint\n"),
      },
      async (revertSql) => {
        await db.driver.exec(`INSERT INTO "audit_log" ("msg", "legacy_ref") VALUES ('kept', 'r1')`);
        await applyFile(db.driver, revertSql);
        expect(
          await one(
            `SELECT relrowsecurity AS rls, relforcerowsecurity AS force,
               (SELECT count(*)::int FROM audit_log WHERE legacy_ref = 'r1') AS rows,
               to_regclass('audit_log_msg_idx')::text AS idx,
               (SELECT count(*)::int FROM pg_attribute WHERE attrelid = c.oid AND attname = 'at' AND NOT attisdropped) AS at
             FROM pg_class c WHERE oid = 'audit_log'::regclass`,
          ),
        ).toEqual({ rls: true, force: true, rows: 1, idx: "audit_log_msg_idx", at: 0 });
      },
    );
  });

  it("turns row-level security off again on a table whose snapshot has it off", async () => {
    await revertApplied(
      {
        verification_rls: [
          'ALTER TABLE "verification" ENABLE ROW LEVEL SECURITY;',
          'ALTER TABLE "verification" FORCE ROW LEVEL SECURITY;',
          `CREATE POLICY "verification_all" ON "verification" USING (true);`,
        ].join("--> statement-breakpoint\n"),
      },
      async (revertSql) => {
        await applyFile(db.driver, revertSql);
        expect(
          await one(
            `SELECT relrowsecurity AS rls, relforcerowsecurity AS force,
               (SELECT count(*)::int FROM pg_policy WHERE polrelid = c.oid) AS policies
             FROM pg_class c WHERE oid = 'verification'::regclass`,
          ),
        ).toEqual({ rls: false, force: false, policies: 0 });
      },
    );
  });
});

describe("an earlier migration no later one builds on", () => {
  it("reverts the column it added while later hand-written SQL on the same table stays: the revert applies, they remain", async () => {
    const gadget = pgTable("gadget", { id: integer("id").primaryKey() });
    const widget = pgTable("widget", { id: integer("id").primaryKey(), gadgetId: integer("gadget_id") });
    const withNote = pgTable("widget", {
      id: integer("id").primaryKey(),
      gadgetId: integer("gadget_id"),
      note: text("note"),
    });
    const scratch = scratchMigrations();
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const when = () => (scratch.entries().at(-1)?.when ?? 0) + 1000;
      await generateInto(scratch, "widget", { gadget, widget }, when());
      const noteTag = await generateInto(scratch, "widget_note", { gadget, widget: withNote }, when());
      scratch.add(
        "widget_gadget",
        [
          'ALTER TABLE "widget" ADD CONSTRAINT "widget_gadget_fk" FOREIGN KEY ("gadget_id") REFERENCES "gadget"("id");',
          'CREATE INDEX "widget_lower_id_idx" ON "widget" (("id" % 10));',
        ].join("--> statement-breakpoint\n"),
      );
      const plan = await planRevert({ folder: scratch.dir, tag: noteTag });
      expect(plan.statements.map((s) => s.sql.trim())).toEqual(['ALTER TABLE "widget" DROP COLUMN IF EXISTS "note";']);
      writeRevert(plan);
      for (const entry of readMigrationFolder(scratch.dir).migrations) await applyMigration(fresh.driver, entry);
      const columns = await fresh.driver.query<{ column_name: string }>(
        "select column_name from information_schema.columns where table_name = 'widget' order by column_name",
      );
      expect(columns.map((c) => c.column_name)).toEqual(["gadget_id", "id"]);
      const kept = await fresh.driver.query<{ name: string }>(
        "select conname::text as name from pg_constraint where conname = 'widget_gadget_fk' union all select indexname::text from pg_indexes where indexname = 'widget_lower_id_idx'",
      );
      expect(kept.map((k) => k.name)).toEqual(["widget_gadget_fk", "widget_lower_id_idx"]);
    } finally {
      await fresh.close();
      scratch.remove();
    }
  });
});

/**
 * Generated migrations on top of the whole history, each applied as the runner would, then the
 * revert of the last: what the revert leaves on a real database when it runs (twice, as a retry
 * would) or when it fails: an identity dropped or put back, index work it keeps in its
 * transaction, a constraint or policy it puts back where one of its name is there already.
 */
describe("a revert on a real database whose schema is not quite the history's", () => {
  let db: TestDatabase;
  let scratch: ReturnType<typeof scratchMigrations>;
  beforeEach(async () => {
    db = await createTestDatabase();
    scratch = scratchMigrations();
  });
  afterEach(async () => {
    await db?.close();
    scratch?.remove();
  });

  /** Generates a migration for `tables` after the last one and applies it. */
  async function generated(name: string, tables: Record<string, unknown>): Promise<void> {
    await generateInto(scratch, name, tables, (scratch.entries().at(-1)?.when ?? 0) + 1000);
    await applyMigration(db.driver, readMigrationFolder(scratch.dir).migrations.at(-1) as Entry);
  }

  /** Writes the revert of the last migration and returns it as the runner reads it. */
  async function revert(): Promise<Entry> {
    writeRevert(await planRevert({ folder: scratch.dir }));
    return readMigrationFolder(scratch.dir).migrations.at(-1) as Entry;
  }

  const rows = async <T>(sql: string) => db.driver.query<T>(sql);

  it("0010's revert, applied, fails db:rls on user and organization: the check its ACCESS CHANGES ask for before deploying", async () => {
    const plan = await planRevert({ folder: scratch.dir, tag: "0010" });
    expect(plan.accessChanges).toHaveLength(4);
    expect((await coverageReport(db.driver, RLS_CONFIG)).matrix.ok).toBe(true);
    await db.driver.exec("BEGIN");
    try {
      await applyFile(db.driver, plan.migration.sql);
      const report = await coverageReport(db.driver, RLS_CONFIG);
      expect(report.matrix.ok).toBe(false);
      expect(
        report.matrix.findings
          .filter((f) => f.code === "unprotected-table")
          .map((f) => f.table)
          .sort(),
      ).toEqual(["organization", "user"]);
    } finally {
      await db.driver.exec("ROLLBACK");
    }
  });

  it("drops an identity it reverts, twice over, and the rows keep their ids", async () => {
    await generated("ticket", { ticket: pgTable("ticket", { id: integer("id").primaryKey(), note: text("note") }) });
    await generated("ticket_identity", {
      ticket: pgTable("ticket", { id: integer("id").primaryKey().generatedAlwaysAsIdentity(), note: text("note") }),
    });
    await db.driver.exec(`INSERT INTO "ticket" ("note") VALUES ('a'), ('b')`);
    const reverse = await revert();
    await applyMigration(db.driver, reverse);
    await applyMigration(db.driver, reverse);
    expect(
      await rows(
        `SELECT attidentity AS identity, (SELECT array_agg(id ORDER BY id) FROM ticket) AS ids FROM pg_attribute WHERE attrelid = 'ticket'::regclass AND attname = 'id'`,
      ),
    ).toEqual([{ identity: "", ids: [1, 2] }]);
  });

  it("puts an identity back, twice over, handing out ids after those the rows hold", async () => {
    const identity = pgTable("ticket", {
      id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
      note: text("note"),
    });
    await generated("ticket", { ticket: identity });
    await db.driver.exec(`INSERT INTO "ticket" ("note") VALUES ('a'), ('b')`);
    await generated("ticket_plain", {
      ticket: pgTable("ticket", { id: integer("id").primaryKey(), note: text("note") }),
    });
    await db.driver.exec(`INSERT INTO "ticket" ("id", "note") VALUES (10, 'by hand')`);
    const reverse = await revert();
    await applyMigration(db.driver, reverse);
    await applyMigration(db.driver, reverse);
    const [inserted] = await rows<{ id: number }>(`INSERT INTO "ticket" ("note") VALUES ('new') RETURNING id`);
    expect(inserted?.id).toBe(11);
  });

  it("keeps a unique index redefined under its name when building it again fails on duplicates", async () => {
    const gadget = (key: "note" | "note and id") =>
      pgTable("gadget", { id: integer("id").primaryKey(), note: text("note") }, (t) => [
        key === "note" ? uniqueIndex("gadget_note_key").on(t.note) : uniqueIndex("gadget_note_key").on(t.note, t.id),
      ]);
    await generated("gadget", { gadget: gadget("note") });
    await generated("gadget_key", { gadget: gadget("note and id") });
    await db.driver.exec(`INSERT INTO "gadget" VALUES (1, 'same'), (2, 'same')`);
    const reverse = await revert();
    expect(reverse.noTransaction).toBe(false);
    await expect(applyMigration(db.driver, reverse)).rejects.toThrow(/could not create unique index/);
    await db.driver.exec("ROLLBACK");
    expect(
      await rows(
        `SELECT pg_get_indexdef(indexrelid) AS definition, indisvalid AS valid FROM pg_index WHERE indexrelid = 'gadget_note_key'::regclass`,
      ),
    ).toEqual([
      { definition: "CREATE UNIQUE INDEX gadget_note_key ON public.gadget USING btree (note, id)", valid: true },
    ]);
  });

  /** Applies `entry` in a transaction; when it fails, rolls back and returns the error's message. */
  async function failure(entry: Entry): Promise<string | undefined> {
    try {
      await applyMigration(db.driver, entry);
      return undefined;
    } catch (error) {
      await db.driver.exec("ROLLBACK");
      return (error as Error).message;
    }
  }

  const scored = (checked: boolean) =>
    pgTable("cust", { id: integer("id").primaryKey(), score: integer("score") }, (t) =>
      checked ? [check("cust_score_check", sql`${t.score} >= 0`)] : [],
    );

  it("stops putting back a CHECK whose name a different one holds (a hand hotfix), naming both", async () => {
    await generated("cust", { cust: scored(true) });
    await generated("cust_unchecked", { cust: scored(false) });
    await db.driver.exec(`ALTER TABLE "cust" ADD CONSTRAINT "cust_score_check" CHECK (score >= -100)`);
    expect(await failure(await revert())).toBe(
      'db:revert: constraint "cust_score_check" on "cust" exists with another definition than the one this migration puts back: CHECK ((score >= \'-100\'::integer)) (it puts back: CHECK ((score >= 0)))',
    );
  });

  it("passes over a CHECK of its name that is the same, run twice, and leaves no copy behind", async () => {
    await generated("cust", { cust: scored(true) });
    await generated("cust_unchecked", { cust: scored(false) });
    await db.driver.exec(`ALTER TABLE "cust" ADD CONSTRAINT "cust_score_check" CHECK ("score" >= 0) NOT VALID`);
    const reverse = await revert();
    await applyMigration(db.driver, reverse);
    await applyMigration(db.driver, reverse);
    expect(
      await rows(`SELECT conname::text AS name FROM pg_constraint WHERE conrelid = 'cust'::regclass AND contype = 'c'`),
    ).toEqual([{ name: "cust_score_check" }]);
  });

  it("stops putting back a foreign key whose name one with another ON DELETE holds", async () => {
    const owner = pgTable("owner", { id: integer("id").primaryKey() });
    const pet = (linked: boolean) =>
      pgTable("pet", { id: integer("id").primaryKey(), ownerId: integer("owner_id") }, (t) =>
        linked
          ? [foreignKey({ name: "pet_owner_fk", columns: [t.ownerId], foreignColumns: [owner.id] }).onDelete("cascade")]
          : [],
      );
    await generated("pet", { owner, pet: pet(true) });
    await generated("pet_unlinked", { owner, pet: pet(false) });
    await db.driver.exec(
      `ALTER TABLE "pet" ADD CONSTRAINT "pet_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "owner"("id")`,
    );
    expect(await failure(await revert())).toMatch(
      /^db:revert: constraint "pet_owner_fk" on "pet" exists with another definition than the one this migration puts back: FOREIGN KEY \(owner_id\) REFERENCES owner\(id\) \(it puts back: FOREIGN KEY \(owner_id\) REFERENCES owner\(id\) ON DELETE CASCADE\)$/,
    );
  });

  it("stops putting back a UNIQUE constraint whose name a plain index holds, naming the index", async () => {
    const named = (unique: boolean) =>
      pgTable("gizmo", { id: integer("id").primaryKey(), name: text("name") }, (t) =>
        unique ? [uniqueConstraint("gizmo_name_unique").on(t.name)] : [],
      );
    await generated("gizmo", { gizmo: named(true) });
    await generated("gizmo_not_unique", { gizmo: named(false) });
    await db.driver.exec(`CREATE INDEX "gizmo_name_unique" ON "gizmo" ("name")`);
    expect(await failure(await revert())).toBe(
      'db:revert: cannot put back constraint "gizmo_name_unique" on "gizmo": its name is taken by CREATE INDEX gizmo_name_unique ON public.gizmo USING btree (name)',
    );
  });

  it("puts a primary key back twice over: the second run finds it the same", async () => {
    const keyed = (key: boolean) =>
      pgTable("keyed", { a: integer("a").notNull(), b: integer("b").notNull() }, (t) =>
        key ? [primaryKey({ name: "keyed_pk", columns: [t.a, t.b] })] : [],
      );
    await generated("keyed", { keyed: keyed(true) });
    await generated("keyed_loose", { keyed: keyed(false) });
    const reverse = await revert();
    await applyMigration(db.driver, reverse);
    await applyMigration(db.driver, reverse);
    expect(
      await rows(
        `SELECT count(*)::int AS keys FROM pg_constraint WHERE conrelid = 'keyed'::regclass AND contype = 'p'`,
      ),
    ).toEqual([{ keys: 1 }]);
  });

  it("stops putting back a policy whose name one with another USING holds", async () => {
    const shelf = (open: boolean) =>
      pgTable("shelf", { id: integer("id").primaryKey() }, () =>
        open ? [pgPolicy("shelf_read", { for: "select", using: sql`true` })] : [],
      ).enableRLS();
    await generated("shelf", { shelf: shelf(true) });
    await generated("shelf_closed", { shelf: shelf(false) });
    await db.driver.exec(`CREATE POLICY "shelf_read" ON "shelf" FOR SELECT USING (false)`);
    expect(await failure(await revert())).toBe(
      'db:revert: policy "shelf_read" on "shelf" exists with another definition than the one this migration puts back: AS PERMISSIVE FOR SELECT TO public USING (false) (it puts back: AS PERMISSIVE FOR SELECT TO public USING (true))',
    );
    expect(await rows(`SELECT count(*)::int AS n FROM pg_policy WHERE polname LIKE 'shelf_read%'`)).toEqual([{ n: 1 }]);
  });

  it("drops an index of a partitioned table, which PostgreSQL cannot drop CONCURRENTLY, in its transaction", async () => {
    const ledger = (indexed: boolean) =>
      pgTable("ledger", { id: integer("id").notNull(), at: date("at").notNull() }, (t) =>
        indexed ? [index("ledger_at_idx").on(t.at)] : [],
      );
    await generateInto(scratch, "ledger", { ledger: ledger(false) }, (scratch.entries().at(-1)?.when ?? 0) + 1000);
    const [tag] = scratch
      .entries()
      .slice(-1)
      .map((e) => e.tag);
    scratch.write(
      tag as string,
      [
        'CREATE TABLE "ledger" ("id" integer NOT NULL, "at" date NOT NULL) PARTITION BY RANGE ("at");',
        `CREATE TABLE "ledger_2026" PARTITION OF "ledger" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`,
      ].join("--> statement-breakpoint\n"),
    );
    await applyMigration(db.driver, readMigrationFolder(scratch.dir).migrations.at(-1) as Entry);
    await generated("ledger_at", { ledger: ledger(true) });
    const reverse = await revert();
    expect(reverse.noTransaction).toBe(false);
    await applyMigration(db.driver, reverse);
    await applyMigration(db.driver, reverse);
    expect(
      await rows(`SELECT to_regclass('ledger_at_idx') AS parent, to_regclass('ledger_2026_at_idx') AS child`),
    ).toEqual([{ parent: null, child: null }]);
  });
});
