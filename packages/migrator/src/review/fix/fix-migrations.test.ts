/**
 * `fixMigrations` on a folder in a fresh git repository (nothing committed, so every migration may
 * be fixed): which indexes and constraints it takes for ones on a table the migration found in place.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixMigrations } from "./fix-migrations.ts";

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A migrations folder of these migrations (`0000_m0`, `0001_m1` …) in a git work tree without commits. */
function folderOf(migrations: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "fix-migrations-"));
  temporary.push(root);
  execFileSync("git", ["init", "-q"], { cwd: root });
  const folder = join(root, "migrations");
  mkdirSync(join(folder, "meta"), { recursive: true });
  const entries = migrations.map((sql, idx) => {
    const tag = `${String(idx).padStart(4, "0")}_m${idx}`;
    writeFileSync(join(folder, `${tag}.sql`), sql);
    return { idx, version: "7", when: 1_700_000_000_000 + idx, tag, breakpoints: true };
  });
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  return folder;
}

const BREAK = "--> statement-breakpoint\n";

describe("fixMigrations", () => {
  it("moves an index on an existing table of another schema (pgSchema), and leaves one on a new public table of that name", async () => {
    const folder = folderOf([
      ['CREATE SCHEMA "app";', 'CREATE TABLE "app"."note" ("id" text PRIMARY KEY NOT NULL, "body" text);'].join(BREAK),
      [
        'CREATE INDEX "note_body_idx" ON "app"."note" USING btree ("body");',
        'CREATE TABLE "note" ("id" text PRIMARY KEY NOT NULL, "body" text);',
        'CREATE INDEX "public_note_body_idx" ON "note" USING btree ("body");',
      ].join(BREAK),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([
      '0001_m1.sql:1: index "note_body_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0002_m1-online.sql written (new migration)",
    ]);
    // Drizzle Kit 1.0 names a folder by its second: each migration has a second of its own.
    const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
      entries: { tag: string; when: number }[];
    };
    const seconds = journal.entries.map((e) => Math.floor(e.when / 1000));
    expect(journal.entries.map((e) => e.tag)).toEqual(["0000_m0", "0001_m1", "0002_m1-online"]);
    expect(new Set(seconds).size).toBe(3);
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
  });

  it("leaves an index where it is when a later statement of the migration uses its table: ON CONFLICT on it, a foreign key to it, a renamed column", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL, "name" text);\n',
      [
        'ALTER TABLE "org" ADD COLUMN "ref" text;',
        'CREATE UNIQUE INDEX "org_ref_uq" ON "org" ("ref");',
        'INSERT INTO "org" ("id", "ref") VALUES (\'sys\', \'SYS\') ON CONFLICT ("ref") DO NOTHING;',
      ].join(BREAK),
      [
        'CREATE UNIQUE INDEX "org_name_uq" ON "org" ("name");',
        'CREATE TABLE "alias" ("org_name" text REFERENCES "org"("name"));',
      ].join(BREAK),
      ['CREATE INDEX "org_name_idx" ON "org" ("name");', 'ALTER TABLE "org" RENAME COLUMN "name" TO "title";'].join(
        BREAK,
      ),
    ]);
    const before = [1, 2, 3].map((i) => readFileSync(join(folder, `000${i}_m${i}.sql`), "utf8"));
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([]);
    expect(report.left).toEqual([
      '0001_m1.sql:2: index "org_ref_uq": 0001_m1.sql:3, later in the same migration, uses it or its table: not moved',
      '0002_m2.sql:1: index "org_name_uq": 0002_m2.sql:2, later in the same migration, uses it or its table: not moved',
      '0003_m3.sql:1: index "org_name_idx": 0003_m3.sql:2, later in the same migration, uses it or its table: not moved',
    ]);
    expect([1, 2, 3].map((i) => readFileSync(join(folder, `000${i}_m${i}.sql`), "utf8"))).toEqual(before);
  });

  it("numbers a new follow-up after every committed migration in a folder whose numbers have a gap, never over one of them", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL, "name" text);\n',
      'CREATE TABLE "note" ("id" text PRIMARY KEY NOT NULL);\n',
    ]);
    // 0001 is numbered 0002 (an entry removed by hand once): committed so, with its snapshot.
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
    renameSync(join(folder, "0001_m1.sql"), join(folder, "0002_m1.sql"));
    Object.assign(journal.entries[1]!, { idx: 2, tag: "0002_m1" });
    for (const [i, tag] of ["0000_m0", "0002_m1"].entries()) {
      writeFileSync(
        join(folder, "meta", `${tag.slice(0, 4)}_snapshot.json`),
        JSON.stringify({ id: `id-${i}`, prevId: i === 0 ? "00000000-0000-0000-0000-000000000000" : "id-0" }),
      );
    }
    writeFileSync(journalPath, JSON.stringify(journal));
    execFileSync("git", ["add", "-A"], { cwd: folder });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "history"], {
      cwd: folder,
    });
    const committedSnapshot = readFileSync(join(folder, "meta", "0002_snapshot.json"), "utf8");
    writeFileSync(
      join(folder, "0003_m2.sql"),
      ['CREATE INDEX "org_name_idx" ON "org" ("name");', 'ALTER TABLE "note" ADD COLUMN "body" text;'].join(BREAK),
    );
    journal.entries.push({ idx: 3, version: "7", when: 1_700_000_000_003, tag: "0003_m2", breakpoints: true } as never);
    writeFileSync(journalPath, JSON.stringify(journal));
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([
      '0003_m2.sql:1: index "org_name_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0004_m2-online.sql written (new migration)",
    ]);
    expect(readFileSync(join(folder, "meta", "0002_snapshot.json"), "utf8")).toBe(committedSnapshot);
    const tags = (JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] }).entries.map(
      (e) => e.tag,
    );
    expect(tags).toEqual(["0000_m0", "0002_m1", "0003_m2", "0004_m2-online"]);
  });

  it("puts NOT VALID after the code of a last statement without `;`, not inside its trailing comment", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "member" ("org_id" text);\n',
      '-- Manual addition: members point at a real organization\nALTER TABLE "member" ADD CONSTRAINT "member_org_fk" FOREIGN KEY ("org_id") REFERENCES "org"("id") -- the one link',
    ]);
    await fixMigrations({ folder, config: { rules: {} } });
    const fixed = readFileSync(join(folder, "0001_m1.sql"), "utf8");
    expect(fixed).toContain('REFERENCES "org"("id") NOT VALID -- the one link');
    // Where the fix must be re-runnable, the DO block closes before the comment.
    const guarded = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "member" ("org_id" text);\n',
      'ALTER TABLE "member" ADD CONSTRAINT "member_org_fk" FOREIGN KEY ("org_id") REFERENCES "org"("id") -- the one link',
    ]);
    await fixMigrations({ folder: guarded, config: { rules: {}, guardBaseline: "0001" } });
    expect(readFileSync(join(guarded, "0001_m1.sql"), "utf8")).toContain(
      'REFERENCES "org"("id") NOT VALID;\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$; -- the one link',
    );
  });

  it("leaves an unnamed index and names why (IF NOT EXISTS needs a name), fixing the rest; a DROP OPERATOR CLASS gets IF EXISTS", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL, "kind" text);\n',
      [
        'CREATE INDEX ON "org" ("kind");',
        'DROP OPERATOR CLASS "my_ops" USING btree;',
        "ALTER TYPE \"kind\" RENAME VALUE 'a' TO 'b';",
        'CREATE TABLE "note" ("id" text);',
      ].join(BREAK),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {}, guardBaseline: "0001" } });
    expect(report.left.join("\n")).toContain("0001_m1.sql:1: an index without a name cannot be moved");
    const fixed = readFileSync(join(folder, "0001_m1.sql"), "utf8");
    expect(fixed).toContain('CREATE INDEX ON "org" ("kind");');
    expect(fixed).toContain('DROP OPERATOR CLASS IF EXISTS "my_ops" USING btree;');
    expect(fixed).toContain("ALTER TYPE \"kind\" RENAME VALUE 'a' TO 'b';");
    expect(report.left.join("\n")).toContain(
      "RENAME VALUE 'a' TO 'b' (fails once renamed) outside a DO block that checks pg_enum: guard it by hand",
    );
    expect(fixed).toContain('CREATE TABLE IF NOT EXISTS "note"');
  });

  it("keeps the pieces that hold only comments when every statement of the migration moves", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL, "name" text);\n',
      [
        "-- TRO-321: search by name; DBA approved",
        'CREATE INDEX "org_name_idx" ON "org" ("name");',
        '-- Rollback: DROP INDEX CONCURRENTLY "org_name_idx";\n',
      ].join(`\n${BREAK}`),
    ]);
    await fixMigrations({ folder, config: { rules: {} } });
    const fixed = readFileSync(join(folder, "0001_m1.sql"), "utf8");
    expect(fixed.split("\n")[0]).toBe("-- migrator:no-transaction");
    expect(fixed).toContain("-- TRO-321: search by name; DBA approved");
    expect(fixed).toContain('-- Rollback: DROP INDEX CONCURRENTLY "org_name_idx";');
    expect(fixed).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "org_name_idx" ON "org" ("name");');
  });

  it("fixes every statement of a piece that holds several (hand-written SQL without breakpoints), and names what it cannot move", async () => {
    const folder = folderOf([
      'CREATE TABLE "org" ("id" text PRIMARY KEY NOT NULL, "name" text);\n--> statement-breakpoint\nCREATE TABLE "member" ("org_id" text, "n" integer);\n',
      [
        'CREATE TABLE "note" ("id" text);',
        'CREATE POLICY "note_all" ON "note" USING (true);',
        'CREATE INDEX "org_name_idx" ON "org" ("name");',
        'ALTER TABLE "member" ADD CONSTRAINT "member_n_check" CHECK ("n" > 0);',
      ].join("\n"),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {}, guardBaseline: "0001" } });
    expect(report.left).toContain(
      '0001_m1.sql:3: index "org_name_idx" shares its piece with other statements: not moved; put --> statement-breakpoint between them and run --fix again',
    );
    expect(report.changes).toEqual(
      expect.arrayContaining([
        "0001_m1.sql:1: guarded (IF NOT EXISTS)",
        "0001_m1.sql:2: guarded (DO block catching the duplicate)",
        "0001_m1.sql:3: guarded (IF NOT EXISTS)",
        '0001_m1.sql:4: constraint "member_n_check" added NOT VALID, validated in a new migration',
      ]),
    );
    const fixed = readFileSync(join(folder, "0001_m1.sql"), "utf8");
    expect(fixed).toContain('CREATE TABLE IF NOT EXISTS "note"');
    expect(fixed).toMatch(/DO \$\$ BEGIN\n {2}CREATE POLICY "note_all"/);
    expect(fixed).toContain('CREATE INDEX IF NOT EXISTS "org_name_idx"');
    expect(fixed).toMatch(
      /-- Manual addition: NOT VALID added by db:review --fix; "member_n_check"[^\n]*\nDO \$\$ BEGIN\n {2}ALTER TABLE "member" ADD CONSTRAINT "member_n_check" CHECK \("n" > 0\) NOT VALID;/,
    );
  });

  it("leaves an index on a partitioned table, and one a later WITH … INSERT … ON CONFLICT needs", async () => {
    const folder = folderOf([
      [
        'CREATE TABLE "events" ("k" text, "at" date) PARTITION BY RANGE ("at");',
        'CREATE TABLE "kv" ("k" text, "v" integer);\n',
      ].join(BREAK),
      [
        'CREATE INDEX "events_k_idx" ON "events" ("k");',
        'CREATE UNIQUE INDEX "kv_k" ON "kv" ("k");',
        'WITH ins AS (INSERT INTO "kv" VALUES (\'a\', 1) ON CONFLICT ("k") DO NOTHING RETURNING 1) SELECT count(*) FROM ins;',
      ].join(BREAK),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([]);
    expect(report.left).toEqual([
      '0001_m1.sql:1: index "events_k_idx" is on a partitioned table, where PostgreSQL refuses CREATE INDEX CONCURRENTLY: build it CONCURRENTLY on each partition, then CREATE INDEX … ON ONLY the parent and ATTACH each (by hand)',
      '0001_m1.sql:2: index "kv_k": 0001_m1.sql:3, later in the same migration, uses it or its table: not moved',
    ]);
  });

  it("leaves a foreign key on a partitioned table as it is (PostgreSQL before 18 refuses it NOT VALID); a CHECK there gets NOT VALID", async () => {
    const folder = folderOf([
      [
        'CREATE TABLE "parent" ("id" text PRIMARY KEY NOT NULL);',
        'CREATE TABLE "events" ("parent_id" text, "n" integer, "at" date) PARTITION BY RANGE ("at");\n',
      ].join(BREAK),
      [
        'ALTER TABLE "events" ADD CONSTRAINT "events_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."parent"("id") ON DELETE cascade;',
        'ALTER TABLE "events" ADD CONSTRAINT "events_n_check" CHECK ("n" > 0);',
      ].join(BREAK),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.left).toEqual([
      '0001_m1.sql:1: foreign key "events_parent_fk" is on a partitioned table, where PostgreSQL before 18 refuses NOT VALID: not changed',
    ]);
    expect(report.changes).toEqual([
      '0001_m1.sql:2: constraint "events_n_check" added NOT VALID, validated in a new migration',
      "0002_m1-online.sql written (new migration)",
    ]);
    expect(readFileSync(join(folder, "0001_m1.sql"), "utf8")).toContain("ON DELETE cascade;--> statement-breakpoint");
  });

  it("moves an index on a table an earlier migration made by calling a routine it created, as the review sees that table", async () => {
    const folder = folderOf([
      [
        'CREATE FUNCTION "setup"() RETURNS void LANGUAGE sql AS $$ CREATE TABLE "kv" ("k" text, "v" integer) $$;',
        'SELECT "setup"();',
      ].join(BREAK),
      'CREATE INDEX "kv_v_idx" ON "kv" USING btree ("v");',
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([
      '0001_m1.sql:1: index "kv_v_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
    ]);
  });

  it("never edits a statement inside a DO block (its copy in a comment, a conditional ADD CONSTRAINT)", async () => {
    const migrations = [
      'CREATE TABLE "kv" ("k" text, "v" integer);\n',
      [
        "DO $$ BEGIN",
        '  -- was: ALTER TABLE "kv" ADD CONSTRAINT "kv_chk" CHECK ("v" > 0);',
        '  ALTER TABLE "kv" ADD CONSTRAINT "kv_chk" CHECK ("v" > 0);',
        "EXCEPTION WHEN duplicate_object THEN null; END $$;",
        "--> statement-breakpoint",
        'DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attname = \'legacy\') THEN ALTER TABLE "kv" ADD CONSTRAINT "kv_legacy_chk" CHECK ("v" > 0); END IF; END $$;',
      ].join("\n"),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([]);
    expect(readFileSync(join(folder, "0001_m1.sql"), "utf8")).toBe(migrations[1]);
  });

  it("renames the tag a db:revert's header names when it renumbers both; a DROP of a table named data gets IF EXISTS after TABLE", async () => {
    const header = (tag: string) => `-- db:revert: reverses ${tag}, returning the schema to its state before it.`;
    const folder = folderOf([
      'CREATE TABLE "kv" ("k" text, "v" integer);\n',
      'CREATE TABLE "data" ("id" text);\n--> statement-breakpoint\nCREATE INDEX "kv_v" ON "kv" ("v");',
      'CREATE TABLE "b" ("id" text);\n',
      `${header("0002_m2")}\nDROP TABLE "b";\n--> statement-breakpoint\nDROP TABLE data;\n--> statement-breakpoint\nDROP CAST (integer AS text);\n`,
    ]);
    const report = await fixMigrations({ folder, config: { rules: {}, guardBaseline: "0003" } });
    expect(report.changes).toContain("0002_m1-online.sql written (new migration)");
    expect(report.changes).toContain("0003_m3.sql renamed to 0004_m3.sql");
    const revert = readFileSync(join(folder, "0004_m3.sql"), "utf8");
    expect(revert.split("\n")[0]).toBe(header("0003_m2"));
    expect(revert).toContain('DROP TABLE IF EXISTS "b";');
    expect(revert).toContain("DROP TABLE IF EXISTS data;");
    expect(revert).toContain("DROP CAST IF EXISTS (integer AS text);");
  });

  it("takes a table renamed earlier in the migration for the existing one, and one dropped and created again for a new one", async () => {
    const folder = folderOf([
      'CREATE TABLE "connection" ("id" text PRIMARY KEY NOT NULL, "user_id" text);\n',
      [
        'ALTER TABLE "connection" RENAME TO "account";',
        'ALTER TABLE "account" ADD CONSTRAINT "account_user_id_check" CHECK ("user_id" <> \'\');',
        'CREATE INDEX "account_user_id_idx" ON "account" USING btree ("user_id");',
        'CREATE TABLE "connection" ("id" text PRIMARY KEY NOT NULL, "user_id" text);',
        'DROP TABLE "connection";',
        'CREATE TABLE "connection" ("id" text PRIMARY KEY NOT NULL, "user_id" text);',
        'ALTER TABLE "connection" ADD CONSTRAINT "connection_user_id_check" CHECK ("user_id" <> \'\');',
        'CREATE INDEX "connection_user_id_idx" ON "connection" USING btree ("user_id");',
      ].join(BREAK),
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([
      '0001_m1.sql:2: constraint "account_user_id_check" added NOT VALID, validated in a new migration',
      '0001_m1.sql:3: index "account_user_id_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0002_m1-online.sql written (new migration)",
    ]);
    expect(readFileSync(join(folder, "0001_m1.sql"), "utf8")).toContain(
      'ALTER TABLE "account" ADD CONSTRAINT "account_user_id_check" CHECK ("user_id" <> \'\') NOT VALID;',
    );
  });
});
