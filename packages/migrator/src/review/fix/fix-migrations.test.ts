/**
 * `fixMigrations` on a folder in a fresh git repository (nothing committed, so every migration may
 * be fixed): which indexes and constraints it takes for ones on a table the migration found in place.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reviewMigrations } from "../review-migrations.ts";
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

/** The migration files of a folder by tag, as the journal orders them. */
function migrationsOf(folder: string): Map<string, string> {
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return new Map(journal.entries.map((e) => [e.tag, readFileSync(join(folder, `${e.tag}.sql`), "utf8")]));
}

describe("fixMigrations on an index the migration redefines (Drizzle Kit's DROP INDEX, then CREATE INDEX of the name)", () => {
  const TABLE =
    'CREATE TABLE "document" ("id" text PRIMARY KEY NOT NULL, "organization_id" text, "source_id" text);\n--> statement-breakpoint\nCREATE UNIQUE INDEX "doc_source_idx" ON "document" USING btree ("source_id");\n';
  const REDEFINE = [
    'DROP INDEX "doc_source_idx";',
    'CREATE UNIQUE INDEX "doc_source_idx" ON "document" USING btree ("organization_id","source_id");',
  ];

  it("renames the old index in the migration, then builds the new one and drops the old, both CONCURRENTLY, in the new one; the review passes", async () => {
    const folder = folderOf([TABLE, REDEFINE.join("--> statement-breakpoint\n")]);
    const report = await fixMigrations({ folder, config: { rules: {}, guardBaseline: "0001" } });
    expect(report.changes).toEqual([
      '0001_m1.sql:1: index "doc_source_idx" renamed "doc_source_idx_old" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built',
      '0001_m1.sql:2: index "doc_source_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0002_m1-online.sql written (new migration)",
    ]);
    expect(report.left).toEqual([]);
    const fixed = migrationsOf(folder);
    expect(fixed.get("0001_m1")).toBe(
      [
        '-- Manual addition: db:review --fix renames the index here instead of dropping it (a plain DROP INDEX locks the table ACCESS EXCLUSIVE, and the table would have no "doc_source_idx" until the next migration built it); the next migration builds the new definition CONCURRENTLY, then drops this one CONCURRENTLY.',
        "DO $$ BEGIN",
        "  IF to_regclass('\"doc_source_idx\"') IS NOT NULL THEN",
        '    ALTER INDEX "doc_source_idx" RENAME TO "doc_source_idx_old";',
        "  END IF;",
        "END $$;",
        "",
      ].join("\n"),
    );
    expect(fixed.get("0002_m1-online")).toBe(
      [
        "-- migrator:no-transaction",
        "-- Manual addition: moved here from 0001_m1 by db:review --fix: the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile; an index's old definition, renamed before, is dropped CONCURRENTLY only once the new one is built, so the table always has one.",
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "doc_source_idx" ON "document" USING btree ("organization_id","source_id");--> statement-breakpoint',
        '-- review-ignore drop-statement: the old definition of "doc_source_idx", renamed by db:review --fix in the migration before this one; the index built above replaces it.',
        'DROP INDEX CONCURRENTLY IF EXISTS "doc_source_idx_old";',
        "",
      ].join("\n"),
    );
    // Reviewed as db:review does after the fix: the first migration is what Drizzle Kit generated
    // (so hand-written SQL needs its header), the new one has no schema change of its own.
    const sources = [...fixed].map(([tag, text]) => ({
      tag,
      file: `${tag}.sql`,
      text,
      generated: tag === "0001_m1" ? REDEFINE : tag === "0002_m1-online" ? [] : undefined,
    }));
    const findings = await reviewMigrations(sources, {
      config: { rules: {}, guardBaseline: "0001" },
      only: ["0001_m1", "0002_m1-online"],
    });
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`)).toEqual([]);
    const again = await fixMigrations({ folder, config: { rules: {}, guardBaseline: "0001" } });
    expect(again.changes).toEqual([]);
    expect(migrationsOf(folder)).toEqual(fixed);
  });

  it("keeps a schema-qualified index in its schema, and cuts the old index's name to PostgreSQL's 63 bytes", async () => {
    // 4 + 29 × 2 = 62 bytes: with "_old" the name would have 66.
    const long = `doc_${"é".repeat(29)}`;
    const folder = folderOf([
      `CREATE SCHEMA "app";\n--> statement-breakpoint\nCREATE TABLE "app"."document" ("id" text, "source_id" text);\n--> statement-breakpoint\nCREATE INDEX "${long}" ON "app"."document" ("source_id");\n`,
      `DROP INDEX "app"."${long}";--> statement-breakpoint\nCREATE INDEX "${long}" ON "app"."document" ("source_id", "id");`,
    ]);
    await fixMigrations({ folder, config: { rules: {} } });
    const temporary = `doc_${"é".repeat(27)}_old`;
    expect(Buffer.byteLength(temporary)).toBe(62);
    const fixed = migrationsOf(folder);
    expect(fixed.get("0001_m1")).toContain(
      `  IF to_regclass('"app"."${long}"') IS NOT NULL THEN\n    ALTER INDEX "app"."${long}" RENAME TO "${temporary}";`,
    );
    expect(fixed.get("0002_m1-online")).toContain(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${long}" ON "app"."document" ("source_id", "id");--> statement-breakpoint`,
    );
    expect(fixed.get("0002_m1-online")).toContain(`DROP INDEX CONCURRENTLY IF EXISTS "app"."${temporary}";`);
  });

  it("renames the old index for a DROP INDEX CONCURRENTLY written inside the runner's transaction too", async () => {
    const folder = folderOf([
      TABLE,
      `DROP INDEX CONCURRENTLY "doc_source_idx";--> statement-breakpoint\n${REDEFINE[1]}`,
    ]);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes[0]).toBe(
      '0001_m1.sql:1: index "doc_source_idx" renamed "doc_source_idx_old" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built',
    );
    const fixed = migrationsOf(folder);
    expect(fixed.get("0001_m1")).toContain('ALTER INDEX "doc_source_idx" RENAME TO "doc_source_idx_old";');
    expect(fixed.get("0002_m1-online")).not.toContain('DROP INDEX CONCURRENTLY "doc_source_idx"');
  });

  it("moves neither statement, and says why, when --fix cannot make the swap: several indexes dropped, CASCADE, a DROP sharing its piece, the index named in between, the old index's name taken", async () => {
    const create = (name: string) =>
      `CREATE INDEX "${name}" ON "document" USING btree ("organization_id","source_id");`;
    const migrations = [
      `${TABLE}--> statement-breakpoint\n${["a", "b", "c", "d", "e"].map((n) => `CREATE INDEX "${n}" ON "document" ("source_id");`).join(BREAK)}--> statement-breakpoint\nCREATE INDEX "e_old" ON "document" ("id");\n`,
      ['DROP INDEX "a", "doc_source_idx";', create("a")].join(BREAK),
      ['DROP INDEX "b" CASCADE;', create("b")].join(BREAK),
      ['DROP INDEX "c"; ALTER TABLE "document" ADD COLUMN "x" text;', create("c")].join(BREAK),
      ['DROP INDEX "d";', "COMMENT ON INDEX \"d\" IS 'gone';", create("d")].join(BREAK),
      ['DROP INDEX "e";', create("e")].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const why = "moved alone, its build would leave the table without the index until the new migration";
    expect(report.left).toEqual([
      `0001_m1.sql:2: index "a" is dropped at 0001_m1.sql:1 and built again here: not moved, since its DROP INDEX drops other indexes too: give "a" a DROP INDEX of its own; ${why}`,
      `0002_m2.sql:2: index "b" is dropped at 0002_m2.sql:1 and built again here: not moved, since its DROP INDEX has CASCADE, which drops what depends on the index too (--fix cannot tell what): drop that first, and the index without CASCADE; ${why}`,
      `0003_m3.sql:2: index "c" is dropped at 0003_m3.sql:1 and built again here: not moved, since its DROP INDEX shares its piece with other statements: put --> statement-breakpoint between them; ${why}`,
      `0004_m4.sql:3: index "d" is dropped at 0004_m4.sql:1 and built again here: not moved, since 0004_m4.sql:2 names it between the DROP and the CREATE; ${why}`,
      `0005_m5.sql:2: index "e" is dropped at 0005_m5.sql:1 and built again here: not moved, since "e_old", the name the old index would have meanwhile, is taken; ${why}`,
    ]);
    expect(report.changes).toEqual([]);
    expect([...migrationsOf(folder).values()]).toEqual(migrations);
  });

  it("leaves a DROP INDEX whose index is not created again as it was, and a redefinition on a table the migration creates", async () => {
    const migrations = [
      TABLE,
      ['DROP INDEX "doc_source_idx";', 'CREATE INDEX "doc_id_idx" ON "document" ("id");'].join(BREAK),
      [
        'CREATE TABLE "note" ("id" text, "body" text);',
        'CREATE INDEX "note_body_idx" ON "note" ("body");',
        'DROP INDEX "note_body_idx";',
        'CREATE INDEX "note_body_idx" ON "note" ("body", "id");',
      ].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.changes).toEqual([
      '0001_m1.sql:2: index "doc_id_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0002_m1-online.sql written (new migration)",
      "0002_m2.sql renamed to 0003_m2.sql",
    ]);
    const fixed = migrationsOf(folder);
    expect(fixed.get("0001_m1")).toBe('DROP INDEX "doc_source_idx";\n');
    expect(fixed.get("0003_m2")).toBe(migrations[2]);
  });
});

describe("fixMigrations on a redefined index whose old definition, only renamed, would not behave as the dropped one", () => {
  const why = "moved alone, its build would leave the table without the index until the new migration";
  /** What --fix says of the CREATE at `line` of migration `n` whose DROP it leaves at `dropLine`. */
  const kept = (n: number, name: string, dropLine: number, line: number, since: string) =>
    `000${n}_m${n}.sql:${line}: index "${name}" is dropped at 000${n}_m${n}.sql:${dropLine} and built again here: not moved, since ${since}; ${why}`;
  const redefine = (name: string, create: string) => [`DROP INDEX "${name}";`, create].join(BREAK);

  it("moves neither statement when PostgreSQL would refuse to drop the old index: a foreign key on its columns (named or not), its constraint, a partition's or a partitioned table's index, one PostgreSQL named", async () => {
    const migrations = [
      [
        'CREATE TABLE "t" ("a" int, "b" int);',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
        'CREATE TABLE "c" ("ta" int REFERENCES "t" ("a"));',
        'CREATE TABLE "s" ("a" int);',
        'CREATE UNIQUE INDEX "s_a_idx" ON "s" ("a");',
        'CREATE TABLE "d" ("sa" int, CONSTRAINT "d_sa_fk" FOREIGN KEY ("sa") REFERENCES "s" ("a"));',
        // The replayed foreign key keeps the name its referenced column had when it was added.
        'CREATE TABLE "r" ("a" int);',
        'CREATE UNIQUE INDEX "r_a_idx" ON "r" ("a");',
        'CREATE TABLE "e" ("ra" int, CONSTRAINT "e_ra_fk" FOREIGN KEY ("ra") REFERENCES "r" ("a"));',
        'ALTER TABLE "r" RENAME COLUMN "a" TO "key";',
        'CREATE TABLE "u" ("a" int CONSTRAINT "u_a_key" UNIQUE, "b" int UNIQUE, "c" int);',
        'CREATE UNIQUE INDEX "u_c_key" ON "u" ("c");',
        'ALTER TABLE "u" ADD CONSTRAINT "u_c_key" UNIQUE USING INDEX "u_c_key";',
        'CREATE TABLE "p" ("a" int) PARTITION BY LIST ("a");',
        'CREATE TABLE "p1" PARTITION OF "p" FOR VALUES IN (1);',
        'CREATE INDEX "p1_a_idx" ON "p1" ("a");',
        'CREATE INDEX "p_a_idx" ON ONLY "p" ("a");',
        'ALTER INDEX "p_a_idx" ATTACH PARTITION "p1_a_idx";',
        // A foreign key to the table's primary key does not check against another unique index.
        'CREATE TABLE "v" ("id" int PRIMARY KEY, "e" int);',
        'CREATE UNIQUE INDEX "v_e_idx" ON "v" ("e");',
        'CREATE TABLE "w" ("vid" int, CONSTRAINT "w_vid_fk" FOREIGN KEY ("vid") REFERENCES "v" ("id"));',
      ].join(BREAK),
      redefine("t_a_idx", 'CREATE UNIQUE INDEX "t_a_idx" ON "t" USING btree ("a") WITH (fillfactor=70);'),
      redefine("s_a_idx", 'CREATE UNIQUE INDEX "s_a_idx" ON "s" USING btree ("a") WITH (fillfactor=70);'),
      redefine("r_a_idx", 'CREATE UNIQUE INDEX "r_a_idx" ON "r" USING btree ("key") WITH (fillfactor=70);'),
      redefine("u_a_key", 'CREATE UNIQUE INDEX "u_a_key" ON "u" USING btree ("a") WITH (fillfactor=70);'),
      redefine("u_c_key", 'CREATE UNIQUE INDEX "u_c_key" ON "u" USING btree ("c") WITH (fillfactor=70);'),
      redefine("u_b_key", 'CREATE UNIQUE INDEX "u_b_key" ON "u" USING btree ("b") WITH (fillfactor=70);'),
      redefine("p1_a_idx", 'CREATE INDEX "p1_a_idx" ON "p1" USING btree ("a") WITH (fillfactor=70);'),
      redefine("p_a_idx", 'CREATE INDEX "p_a_idx" ON "t" USING btree ("b");'),
      redefine("v_e_idx", 'CREATE UNIQUE INDEX "v_e_idx" ON "v" USING btree ("e") WITH (fillfactor=70);'),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const checks = "and PostgreSQL refuses to drop the index a foreign key checks against";
    const constraint = (name: string) =>
      `it is the index of constraint "${name}": renaming the index renames the constraint, and PostgreSQL refuses to drop a constraint's index`;
    expect(report.left).toEqual([
      kept(
        1,
        "t_a_idx",
        1,
        2,
        `a foreign key without a name references its table and may check against it (--fix cannot tell: name it), ${checks}`,
      ),
      kept(2, "s_a_idx", 1, 2, `foreign key "d_sa_fk" on public.d may check against it, ${checks}`),
      kept(3, "r_a_idx", 1, 2, `foreign key "e_ra_fk" on public.e may check against it, ${checks}`),
      kept(4, "u_a_key", 1, 2, constraint("u_a_key")),
      kept(5, "u_c_key", 1, 2, constraint("u_c_key")),
      kept(
        6,
        "u_b_key",
        1,
        2,
        `no CREATE INDEX in the history made "u_b_key" (PostgreSQL names a constraint's index, for one), so --fix cannot tell what depends on it`,
      ),
      kept(
        7,
        "p1_a_idx",
        1,
        2,
        "its table is a partition, whose index may be attached to its parent's, and PostgreSQL refuses to drop an attached index",
      ),
      kept(
        8,
        "p_a_idx",
        1,
        2,
        "its table is partitioned, and PostgreSQL refuses to drop a partitioned table's index CONCURRENTLY",
      ),
    ]);
    expect(report.changes).toEqual([
      '0009_m9.sql:1: index "v_e_idx" renamed "v_e_idx_old" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built',
      '0009_m9.sql:2: index "v_e_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
      "0010_m9-online.sql written (new migration)",
    ]);
    expect([...migrationsOf(folder).values()].slice(0, 9)).toEqual(migrations.slice(0, 9));
  });

  it("moves neither statement when the old index is unique and a later statement writes to its table (INSERT, UPDATE in a DO block, MERGE, COPY, a routine's body, an earlier migration's prepared statement) or runs SQL --fix cannot read; a non-unique old index is swapped", async () => {
    const table = 'CREATE TABLE "t" ("a" int, "b" int);\n';
    const redefined = redefine("t_a_idx", 'CREATE UNIQUE INDEX "t_a_idx" ON "t" USING btree ("a","b");');
    const migrations = [
      [
        table,
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
        'CREATE INDEX "t_b_idx" ON "t" ("b");',
        'CREATE TABLE "src" ("a" int, "b" int);',
        'CREATE FUNCTION "fill"() RETURNS void LANGUAGE sql AS $$ INSERT INTO "t" VALUES (1, 2) $$;',
        `CREATE FUNCTION "fill_later"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'INSERT INTO "t" VALUES (1, 2)'; END $$;`,
        'PREPARE "fill_t" AS INSERT INTO "t" VALUES (1, 2);',
      ].join(BREAK),
      [redefined, 'INSERT INTO "t" VALUES (1, 2);'].join(BREAK),
      [redefined, 'DO $$ BEGIN\n  UPDATE "t" SET "b" = 2;\nEND $$;'].join(BREAK),
      [
        redefined,
        'MERGE INTO "t" USING "src" ON "t"."a" = "src"."a" WHEN NOT MATCHED THEN INSERT VALUES ("src"."a", "src"."b");',
      ].join(BREAK),
      [redefined, 'COPY "t" FROM STDIN;'].join(BREAK),
      [redefined, 'SELECT "fill"();'].join(BREAK),
      [redefined, `DO $$ BEGIN\n  EXECUTE 'INSERT INTO "t" VALUES (1, 2)';\nEND $$;`].join(BREAK),
      [redefined, 'SELECT "fill_later"();'].join(BREAK),
      // Prepared in the first migration: the runner's one session still has it.
      [redefined, 'EXECUTE "fill_t";'].join(BREAK),
      [
        redefine("t_b_idx", 'CREATE INDEX "t_b_idx" ON "t" USING btree ("b","a");'),
        'INSERT INTO "t" VALUES (1, 2);',
      ].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const writes = (n: number) =>
      `the old index is unique, and 000${n}_m${n}.sql:3 may write to its table after the DROP: renamed, the old index would still check those rows (the new definition only once the next migration built it)`;
    expect(report.left).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => kept(n, "t_a_idx", 1, 2, writes(n))));
    expect(report.changes.slice(0, 2)).toEqual([
      '0009_m9.sql:1: index "t_b_idx" renamed "t_b_idx_old" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built',
      '0009_m9.sql:2: index "t_b_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction',
    ]);
    expect([...migrationsOf(folder).values()].slice(0, 9)).toEqual(migrations.slice(0, 9));
  });

  it("moves neither statement when a statement between the DROP and the CREATE changes or drops a column of the table (Drizzle Kit 0.31's DROP INDEX; ALTER COLUMN TYPE; CREATE INDEX)", async () => {
    const migrations = [
      [
        'CREATE TABLE "t" ("id" text, "note" text);',
        'CREATE INDEX "t_lower_idx" ON "t" (lower("id"));',
        'CREATE INDEX "t_note_idx" ON "t" ("note", "id");',
      ].join(BREAK),
      [
        'DROP INDEX "t_lower_idx";',
        'ALTER TABLE "t" ALTER COLUMN "id" SET DATA TYPE uuid USING "id"::uuid;',
        'CREATE INDEX "t_lower_idx" ON "t" USING btree ("id");',
      ].join(BREAK),
      [
        'DROP INDEX "t_note_idx";',
        'ALTER TABLE "t" DROP COLUMN "note";',
        'CREATE INDEX "t_note_idx" ON "t" ("id");',
      ].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const between = (n: number) =>
      `000${n}_m${n}.sql:2 changes or uses its table between the DROP and the CREATE, where the old index, only renamed, would still be (a column's new type rebuilds it, or fails it)`;
    expect(report.left).toEqual([kept(1, "t_lower_idx", 1, 3, between(1)), kept(2, "t_note_idx", 1, 3, between(2))]);
    expect(report.changes).toEqual([]);
    expect([...migrationsOf(folder).values()]).toEqual(migrations);
  });

  it("swaps the first of two indexes whose old names cut to the same 63 bytes, and leaves the second", async () => {
    const first = `${"x".repeat(59)}a`;
    const second = `${"x".repeat(59)}b`;
    const temporary = `${"x".repeat(59)}_old`;
    const migrations = [
      [
        'CREATE TABLE "t" ("a" int, "b" int);',
        `CREATE INDEX "${first}" ON "t" ("a");`,
        `CREATE INDEX "${second}" ON "t" ("b");`,
      ].join(BREAK),
      [
        redefine(first, `CREATE INDEX "${first}" ON "t" ("a", "b");`),
        redefine(second, `CREATE INDEX "${second}" ON "t" ("b", "a");`),
      ].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    expect(report.left).toEqual([
      kept(
        1,
        second,
        3,
        4,
        `"${temporary}", the name the old index would have meanwhile, is the old "${first}"'s, renamed before it`,
      ),
    ]);
    expect(report.changes.slice(0, 2)).toEqual([
      `0001_m1.sql:1: index "${first}" renamed "${temporary}" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built`,
      `0001_m1.sql:2: index "${first}" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction`,
    ]);
    const fixed = migrationsOf(folder).get("0001_m1") ?? "";
    expect(fixed).toContain(
      `DROP INDEX "${second}";--> statement-breakpoint\nCREATE INDEX "${second}" ON "t" ("b", "a");`,
    );
  });

  it("moves nothing out of a migration that sets search_path (SET, SET LOCAL, set_config): the new migration would run without it", async () => {
    const migrations = [
      [
        'CREATE SCHEMA "app";',
        'CREATE TABLE "app"."t" ("a" int, "r" int);',
        'CREATE TABLE "t" ("a" int, "r" int);',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
      ].join(BREAK),
      ['SET search_path TO "app";', 'CREATE INDEX "t_a_idx" ON "t" ("a");'].join(BREAK),
      [
        'SET LOCAL search_path TO "app";',
        'ALTER TABLE "t" ADD CONSTRAINT "t_r_check" CHECK ("r" > 0) NOT VALID;',
        'ALTER TABLE "t" VALIDATE CONSTRAINT "t_r_check";',
      ].join(BREAK),
      [
        "SELECT set_config('search_path', 'app', true);",
        'ALTER TABLE "t" ADD CONSTRAINT "t_r_positive" CHECK ("r" > 0);',
        'DROP INDEX CONCURRENTLY "t_a_idx";',
      ].join(BREAK),
      [
        'SET search_path TO "app";',
        redefine("t_a_idx", 'CREATE UNIQUE INDEX "t_a_idx" ON "t" USING btree ("a") WITH (fillfactor=70);'),
      ].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const since = (n: number) =>
      `since 000${n}_m${n}.sql:1 sets search_path, which a statement moved to a new migration would run without (finding another schema's objects, or none)`;
    expect(report.left).toEqual([
      `0001_m1.sql:2: index "t_a_idx" not moved to a new migration, ${since(1)}`,
      `0002_m2.sql:3: VALIDATE CONSTRAINT "t_r_check" not moved to a new migration, ${since(2)}`,
      `0003_m3.sql:2: constraint "t_r_positive" not made NOT VALID with its VALIDATE in a new migration, ${since(3)}`,
      `0003_m3.sql:3: DROP INDEX CONCURRENTLY not moved outside a transaction, ${since(3)}`,
      `0004_m4.sql:3: index "t_a_idx" not moved to a new migration, ${since(4)}`,
    ]);
    expect(report.changes).toEqual([]);
    expect([...migrationsOf(folder).values()]).toEqual(migrations);
  });

  it("sees a DROP INDEX in the body of a routine called before the CREATE (one an earlier migration created, one this migration creates) and says that is where it is", async () => {
    const dropper = (name: string) =>
      `CREATE FUNCTION "${name}"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP INDEX "t_a_idx"; END $$;`;
    const migrations = [
      ['CREATE TABLE "t" ("a" int, "b" int);', 'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");', dropper("drop_old")].join(
        BREAK,
      ),
      ['SELECT "drop_old"();', 'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a", "b");'].join(BREAK),
      [dropper("drop_here"), 'SELECT "drop_here"();', 'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a", "b");'].join(BREAK),
    ];
    const folder = folderOf(migrations);
    const report = await fixMigrations({ folder, config: { rules: {} } });
    const inBody = (routine: string, createdIn: string, call: string) =>
      `its DROP INDEX is in the body of routine "${routine}"${createdIn}, which ${call} calls, and --fix cannot rename the index there: drop it with a DROP INDEX of its own in the migration instead`;
    expect(report.left).toEqual([
      kept(1, "t_a_idx", 1, 2, inBody("drop_old", " (0000_m0.sql:3)", "0001_m1.sql:1")),
      kept(2, "t_a_idx", 2, 3, inBody("drop_here", "", "0002_m2.sql:2")),
    ]);
    expect(report.changes).toEqual([]);
    expect([...migrationsOf(folder).values()]).toEqual(migrations);
  });
});
