/**
 * Reuse of closed PGlite clones (`pglite.reuse`): the next clone is handed an earlier one put back
 * into the template's state, and only when it is exactly that state. The template below has what
 * makes a reset hard: a trigger that writes to another table, identity, serial and generated
 * columns, a foreign key, row level security and a role of its own.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openPgliteFolder } from "../drivers/pglite-folder.ts";
import { TEST_PGLITE_CACHE } from "../drivers/testing/empty-pglite-cache.ts";
import { createTestDatabaseFactory, type TestDatabaseClone } from "./test-database-factory.ts";

const TEMPLATE_SQL = [
  "CREATE TABLE note (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL, shout text GENERATED ALWAYS AS (upper(body)) STORED)",
  "CREATE TABLE audit (id serial PRIMARY KEY, what text NOT NULL)",
  "CREATE FUNCTION audit_note() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit (what) VALUES (NEW.body); RETURN NEW; END$$",
  "CREATE TRIGGER note_audit AFTER INSERT ON note FOR EACH ROW EXECUTE FUNCTION audit_note()",
  "CREATE TABLE tag (note_id int NOT NULL REFERENCES note (id), label text NOT NULL)",
  "INSERT INTO note (body) VALUES ('seeded')",
  "INSERT INTO tag VALUES (1, 'first')",
  "ALTER TABLE note ENABLE ROW LEVEL SECURITY",
  "CREATE POLICY note_read ON note FOR SELECT USING (body <> 'hidden')",
  "CREATE ROLE reader",
  "GRANT SELECT ON note TO reader",
  "CREATE ROLE admin2 SUPERUSER",
  // Rows in a physical order that is not their text order, one array with bounds of its own.
  "CREATE TABLE lookup (id int PRIMARY KEY, v int[])",
  "INSERT INTO lookup SELECT i, ARRAY[i] FROM generate_series(1, 12) i",
  "UPDATE lookup SET v = '[0:1]={1,2}' WHERE id = 1",
  // A sequence set past its start, not yet called.
  "CREATE SEQUENCE fifty",
  "SELECT setval('fifty', 50, false)",
  "CREATE MATERIALIZED VIEW note_count AS SELECT count(*) AS n FROM note",
  // Names SQL must quote: a comma and a space, a quote.
  `CREATE TABLE "odd, table" ("a, b" int, "it's" text)`,
  `INSERT INTO "odd, table" VALUES (1, 'x')`,
  "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
];

const work = mkdtempSync(join(tmpdir(), "recycle-test-"));
const migrations = join(work, "migrations");
mkdirSync(migrations);
writeFileSync(join(migrations, "template.sql"), `-- ${work}\n${TEMPLATE_SQL.join(";\n")};`);

const factory = createTestDatabaseFactory({
  name: "recycletest",
  inputs: { paths: [migrations], version: "1" },
  prepare: async (target) => {
    if (target.engine === "pglite") for (const sql of TEMPLATE_SQL) await target.pglite.exec(sql);
  },
  pglite: {
    open: (dataDir) => openPgliteFolder(dataDir, { cacheDir: TEST_PGLITE_CACHE }),
    cacheDir: join(work, "templates"),
    reuse: true,
  },
});

afterAll(async () => {
  await factory.dropTemplate("pglite");
  rmSync(work, { recursive: true, force: true });
});

/** What a test could see of the database, read without the fingerprint the reuse relies on. */
async function observe(clone: TestDatabaseClone & { engine: "pglite" }): Promise<unknown> {
  const rows = async (sql: string) => (await clone.pglite.query(sql)).rows;
  return {
    columns: await rows(
      "SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3",
    ),
    routines: await rows(
      "SELECT n.nspname, p.proname, md5(p.prosrc) AS body FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    ),
    types: await rows(
      "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1",
    ),
    schemas: await rows("SELECT nspname FROM pg_namespace ORDER BY 1"),
    roles: await rows("SELECT rolname, rolcreatedb, rolcanlogin FROM pg_roles ORDER BY 1"),
    grants: await rows(
      "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = 'reader'",
    ),
    settings: await rows(
      "SELECT current_user AS who, current_setting('search_path') AS path, current_setting('work_mem') AS mem",
    ),
    databaseSettings: await rows("SELECT setconfig FROM pg_db_role_setting"),
    comments: await rows("SELECT obj_description('note'::regclass) AS note"),
    notes: await rows("SELECT id, body, shout FROM note ORDER BY id"),
    audit: await rows("SELECT id, what FROM audit ORDER BY id"),
    tags: await rows("SELECT note_id, label FROM tag ORDER BY 1, 2"),
    sequences: await rows("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"),
    fifty: await rows("SELECT last_value, is_called FROM fifty"),
    // Without ORDER BY: the physical order a test reading a table plainly sees.
    lookup: await rows("SELECT id, v::text FROM lookup"),
    noteCount: await rows("SELECT n FROM note_count"),
    features: await rows("SELECT count(*)::int AS n FROM information_schema.sql_features"),
    odd: await rows(`SELECT * FROM "odd, table"`),
  };
}

async function pgliteClone(): Promise<TestDatabaseClone & { engine: "pglite" }> {
  const clone = await factory.clone("pglite");
  if (clone.engine !== "pglite") throw new Error("expected a PGlite clone");
  return clone;
}

/** Closes `first`; the next clone must be the same database, showing what the template showed (`template`). */
async function expectReusedAsTemplate(
  first: TestDatabaseClone & { engine: "pglite" },
  template: unknown,
): Promise<void> {
  await first.close();
  const second = await pgliteClone();
  try {
    expect(second.dataDir).toBe(first.dataDir);
    expect(await observe(second)).toEqual(template);
  } finally {
    await second.close();
  }
}

describe("reuse of closed PGlite clones", () => {
  it("hands the next clone the same database, back in the template's state, after rows, objects, roles, settings and an open transaction", async () => {
    const first = await pgliteClone();
    const template = await observe(first);
    await first.pglite.exec(`
      INSERT INTO note (body) VALUES ('added'), ('hidden');
      UPDATE note SET body = 'changed' WHERE id = 1;
      INSERT INTO tag VALUES (2, 'second');
      DELETE FROM tag WHERE label = 'first';
      SELECT nextval('audit_id_seq');
      CREATE TABLE extra (id bigserial PRIMARY KEY, note_id int REFERENCES note (id));
      CREATE VIEW visible AS SELECT body FROM note;
      CREATE TYPE mood AS ENUM ('calm');
      CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 5);
      CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS 'SELECT upper(t)';
      CREATE SCHEMA elsewhere;
      CREATE TABLE elsewhere.kept (a int);
      CREATE ROLE writer CREATEDB;
      GRANT INSERT ON note TO writer;
      CREATE TABLE owned_by_writer (a int);
      ALTER TABLE owned_by_writer OWNER TO writer;
      UPDATE "odd, table" SET "a, b" = 2;
      UPDATE lookup SET v = v WHERE id = 3;
      UPDATE lookup SET v = ARRAY[1, 2] WHERE id = 1;
      SELECT nextval('fifty');
      REFRESH MATERIALIZED VIEW note_count;
      DELETE FROM information_schema.sql_features WHERE feature_id = 'B011';
      SET search_path = elsewhere, public;
      SET work_mem = '7MB';
      SET SESSION AUTHORIZATION admin2;
    `);
    expect(await observe(first)).not.toEqual(template);
    // Left in an unfinished transaction, as another role: what a failing test leaves.
    await first.pglite.exec("SET ROLE reader");
    await first.pglite.exec("BEGIN");
    await first.pglite.exec("SELECT count(*) FROM note");
    await expectReusedAsTemplate(first, template);
  });

  it("puts back the template's rows of tables emptied with one the test wrote to, through their foreign keys", async () => {
    const first = await pgliteClone();
    const template = await observe(first);
    // Only note is written; tag (which has a template row) references it.
    await first.pglite.exec("INSERT INTO note (body) VALUES ('added')");
    await expectReusedAsTemplate(first, template);
  });

  it.each([
    ["a column added to a template table", "ALTER TABLE note ADD COLUMN extra int"],
    [
      "a template function replaced",
      "CREATE OR REPLACE FUNCTION audit_note() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
    ],
    ["a template role altered", "ALTER ROLE reader CREATEDB"],
    ["a database setting", "ALTER DATABASE postgres SET work_mem = '5MB'"],
    ["a comment", "COMMENT ON TABLE note IS 'changed'"],
    ["foreign-key triggers disabled", "ALTER TABLE tag DISABLE TRIGGER ALL"],
    ["a sequence's maximum", "ALTER SEQUENCE audit_id_seq MAXVALUE 5"],
    [
      "a BEGIN ATOMIC body replaced",
      "CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 2; END",
    ],
    ["a column's storage", "ALTER TABLE note ALTER COLUMN body SET STORAGE PLAIN"],
    ["a table made to inherit", "CREATE TABLE parent_of_lookup (id int); ALTER TABLE lookup INHERIT parent_of_lookup"],
  ])(
    "starts a new database instead when the test left %s, which it cannot put back, and removes the old folder",
    async (_, sql) => {
      const first = await pgliteClone();
      const template = await observe(first);
      await first.pglite.exec(sql);
      await first.close();
      expect(existsSync(first.dataDir)).toBe(false);

      const second = await pgliteClone();
      try {
        expect(second.dataDir).not.toBe(first.dataDir);
        expect(await observe(second)).toEqual(template);
      } finally {
        await second.close();
      }
    },
  );

  it("revokes what the test kept of it: a late call throws, and reaches nothing of the next test's database", async () => {
    const first = await pgliteClone();
    const kept = first.pglite;
    await first.close();
    const second = await pgliteClone();
    try {
      expect(second.dataDir).toBe(first.dataDir);
      await expect(Promise.resolve().then(() => kept.query("DELETE FROM tag"))).rejects.toThrow(/revoked/);
      expect((await second.pglite.query("SELECT label FROM tag")).rows).toEqual([{ label: "first" }]);
    } finally {
      await second.close();
    }
  });

  it("removes the notification listeners the test registered", async () => {
    const first = await pgliteClone();
    const heardByFirst: string[] = [];
    await first.pglite.listen("jobs", (payload) => heardByFirst.push(payload));
    first.pglite.onNotification((_, payload) => heardByFirst.push(payload));
    await first.close();
    const second = await pgliteClone();
    try {
      expect(second.dataDir).toBe(first.dataDir);
      const heardBySecond: string[] = [];
      await second.pglite.listen("jobs", (payload) => heardBySecond.push(payload));
      await second.pglite.exec("NOTIFY jobs, 'hello'");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heardBySecond).toEqual(["hello"]);
      expect(heardByFirst).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("hands a clone closed twice to one next clone only", async () => {
    const first = await pgliteClone();
    await first.close();
    await first.close();
    const [a, b] = [await pgliteClone(), await pgliteClone()];
    try {
      expect(a.dataDir).not.toBe(b.dataDir);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("starts a new database for `fresh: true` though one waits for reuse, and removes it on close", async () => {
    const waiting = await pgliteClone();
    await waiting.close();
    const fresh = await factory.clone("pglite", { fresh: true });
    if (fresh.engine !== "pglite") throw new Error("expected a PGlite clone");
    expect(fresh.dataDir).not.toBe(waiting.dataDir);
    await fresh.close();
    expect(existsSync(fresh.dataDir)).toBe(false);
    const next = await pgliteClone();
    try {
      expect(next.dataDir).toBe(waiting.dataDir);
    } finally {
      await next.close();
    }
  });

  it("does not reuse a database the test closed itself, and removes its folder", async () => {
    const first = await pgliteClone();
    await first.pglite.close();
    await first.close();
    expect(existsSync(first.dataDir)).toBe(false);
    const second = await pgliteClone();
    try {
      expect(second.dataDir).not.toBe(first.dataDir);
      expect(await second.pglite.query("SELECT body FROM note")).toMatchObject({ rows: [{ body: "seeded" }] });
    } finally {
      await second.close();
    }
  });

  it("removes the folders of clones waiting for reuse when the process is ended by SIGTERM, as test runners end workers", async () => {
    const factoryModule = fileURLToPath(new URL("./test-database-factory.ts", import.meta.url));
    const folderModule = fileURLToPath(new URL("../drivers/pglite-folder.ts", import.meta.url));
    const script = `
      const { createTestDatabaseFactory } = await import(${JSON.stringify(factoryModule)});
      const { openPgliteFolder } = await import(${JSON.stringify(folderModule)});
      const factory = createTestDatabaseFactory({
        name: "recycletest",
        inputs: { paths: [${JSON.stringify(migrations)}], version: "1" },
        prepare: async () => { throw new Error("the template is built by the test file"); },
        pglite: { open: (dataDir) => openPgliteFolder(dataDir), cacheDir: ${JSON.stringify(join(work, "templates"))}, reuse: true },
      });
      const clone = await factory.clone("pglite");
      await clone.close();
      console.log(clone.dataDir);
      setInterval(() => undefined, 1000);
    `;
    await factory.ensureTemplate("pglite");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const dataDir = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.on("exit", () => reject(new Error(`the child ended early: ${stderr}`)));
    });
    expect(existsSync(dataDir)).toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
    child.kill("SIGTERM");
    expect(await ended).toBe("SIGTERM");
    expect(existsSync(dataDir)).toBe(false);
  });
});
