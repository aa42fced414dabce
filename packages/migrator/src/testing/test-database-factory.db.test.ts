import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../drivers/driver.ts";
import { openPgliteFolder } from "../drivers/pglite-folder.ts";
import { TEST_PGLITE_CACHE } from "../drivers/testing/empty-pglite-cache.ts";
import { pgliteDriver } from "../drivers/pglite.ts";
import { openPostgresDriver } from "../drivers/postgres.ts";
import { splitStatements } from "../sql/statements.ts";
import { TemplateBuildError } from "./template-build-error.ts";
import {
  createTestDatabaseFactory,
  type PrepareTarget,
  type TestDatabaseClone,
  type TestDatabaseFactory,
} from "./test-database-factory.ts";
import { withRollback } from "./with-rollback.ts";

const engine = process.env["TEST_DATABASE"] === "postgres" ? "postgres" : "pglite";
/** The server the root vitest config points the database tests at. */
const serverUrl = process.env["TEST_DATABASE_URL"] ?? "";

const cacheDir = join(tmpdir(), "factorytest-test-templates");
let work: string;
/** The migrations folder most tests share (one template); tests that change migrations make their own. */
let folder: string;
const factories: TestDatabaseFactory[] = [];
const prepared: string[] = [];

/** A tiny migrations folder: one table and one seed row, unique to this run. */
function writeMigrations(dir: string): void {
  writeFileSync(
    join(dir, "0000_init.sql"),
    `-- run ${Math.random()}\nCREATE TABLE note (id int PRIMARY KEY, body text NOT NULL);--> statement-breakpoint\nCREATE INDEX note_body_idx ON note (body);`,
  );
  writeFileSync(join(dir, "0001_seed.sql"), "INSERT INTO note VALUES (1, 'seeded');");
}

async function openTarget(target: PrepareTarget): Promise<Driver> {
  if (target.engine === "pglite") return pgliteDriver(target.pglite, { target: target.dataDir });
  return openPostgresDriver(target.url);
}

/** Applies every file of `dir` in name order, statement by statement: what a project's runner would do. */
async function applyFolder(dir: string, target: PrepareTarget): Promise<void> {
  prepared.push(target.engine);
  const driver = await openTarget(target);
  try {
    for (const file of readdirSync(dir).sort()) {
      for (const statement of splitStatements(readFileSync(join(dir, file), "utf8"))) await driver.exec(statement.sql);
    }
  } finally {
    await driver.close();
  }
}

function makeFactory(dir: string = folder): TestDatabaseFactory {
  const factory = createTestDatabaseFactory({
    name: "factorytest",
    inputs: { paths: [dir], version: "1" },
    prepare: (target) => applyFolder(dir, target),
    server: { url: serverUrl },
    pglite: { open: (dataDir) => openPgliteFolder(dataDir, { cacheDir: TEST_PGLITE_CACHE }), cacheDir },
  });
  factories.push(factory);
  return factory;
}

async function session(clone: TestDatabaseClone): Promise<Driver> {
  return clone.engine === "pglite"
    ? pgliteDriver(clone.pglite, { target: clone.dataDir })
    : openPostgresDriver(clone.url);
}

async function notes(clone: TestDatabaseClone): Promise<string[]> {
  const driver = await session(clone);
  try {
    const rows = await driver.query<{ body: string }>("select body from note order by id");
    return rows.map((r) => r.body);
  } finally {
    await driver.close();
  }
}

/** A new migrations folder (new contents, so a new template). */
function freshFolder(): string {
  const dir = mkdtempSync(join(work, "migrations-"));
  writeMigrations(dir);
  return dir;
}

async function templateExists(factory: TestDatabaseFactory): Promise<boolean> {
  const name = factory.templateName(engine);
  if (engine === "pglite") return existsSync(join(cacheDir, name));
  const admin = await openPostgresDriver(serverUrl);
  try {
    return (await admin.query("select 1 from pg_database where datname = $1", [name])).length > 0;
  } finally {
    await admin.close();
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "factory-test-"));
  folder = freshFolder();
});

afterAll(async () => {
  for (const factory of factories) await factory.dropTemplate(engine).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe(`the test database factory on ${engine}`, () => {
  it("gives a clone with everything the prepare step made: tables, indexes, seed rows", async () => {
    const clone = await makeFactory().clone(engine);
    try {
      expect(await notes(clone)).toEqual(["seeded"]);
      const driver = await session(clone);
      const indexes = await driver.query<{ indexname: string }>(
        "select indexname from pg_indexes where tablename = 'note' order by 1",
      );
      await driver.close();
      expect(indexes.map((i) => i.indexname)).toEqual(["note_body_idx", "note_pkey"]);
    } finally {
      await clone.close();
    }
  });

  it("builds the template once and gives independent clones: a write in one is invisible in the other", async () => {
    const factory = makeFactory();
    const before = prepared.length;
    const [a, b] = await Promise.all([factory.clone(engine), makeFactory().clone(engine)]);
    try {
      expect(prepared.length).toBe(before);
      const driver = await session(a);
      await driver.exec("insert into note values (2, 'only in a')");
      await driver.close();
      expect(await notes(a)).toEqual(["seeded", "only in a"]);
      expect(await notes(b)).toEqual(["seeded"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("builds a template once even when several workers ask for it at the same time", async () => {
    const dir = freshFolder();
    const before = prepared.length;
    const clones = await Promise.all([
      makeFactory(dir).clone(engine),
      makeFactory(dir).clone(engine),
      makeFactory(dir).clone(engine),
    ]);
    try {
      expect(prepared.length - before).toBe(1);
      for (const clone of clones) expect(await notes(clone)).toEqual(["seeded"]);
    } finally {
      for (const clone of clones) await clone.close();
    }
  });

  it("builds a new template when a migration changes, and the clone has the change", async () => {
    const dir = freshFolder();
    const old = makeFactory(dir).templateName(engine);
    writeFileSync(join(dir, "0002_more.sql"), "INSERT INTO note VALUES (3, 'added later');");
    const factory = makeFactory(dir);
    expect(factory.templateName(engine)).not.toBe(old);
    const clone = await factory.clone(engine);
    try {
      expect(await notes(clone)).toEqual(["seeded", "added later"]);
    } finally {
      await clone.close();
    }
  });

  it("drops or removes the clone on close", async () => {
    const clone = await makeFactory().clone(engine);
    await clone.close();
    if (clone.engine === "pglite") {
      expect(() => readdirSync(clone.dataDir)).toThrow(/ENOENT/);
    } else {
      const admin = await openPostgresDriver(serverUrl);
      const rows = await admin.query("select 1 from pg_database where datname = $1", [clone.database]);
      await admin.close();
      expect(rows).toEqual([]);
    }
  });

  it("reports a failing prepare step as a TemplateBuildError and leaves no template behind", async () => {
    const dir = freshFolder();
    writeFileSync(join(dir, "0002_broken.sql"), "INSERT INTO missing_table VALUES (1);");
    const factory = makeFactory(dir);
    const error = await factory.clone(engine).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateBuildError);
    expect((error as TemplateBuildError).message).toMatch(/missing_table/);
    expect(await templateExists(factory)).toBe(false);
  });
});

describe(`old templates on ${engine}`, () => {
  /** Makes a template look unused for two days (the factory records use in the folder's time or the database's comment). */
  async function age(factory: TestDatabaseFactory): Promise<void> {
    const name = factory.templateName(engine);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    if (engine === "pglite") {
      utimesSync(join(cacheDir, name), twoDaysAgo, twoDaysAgo);
      return;
    }
    const admin = await openPostgresDriver(serverUrl);
    try {
      await admin.exec(`COMMENT ON DATABASE "${name}" IS 'test template, last used ${twoDaysAgo.toISOString()}'`);
    } finally {
      await admin.close();
    }
  }

  it("are removed when a new template is built, unless used within a day", async () => {
    const [old, recent, next] = [makeFactory(freshFolder()), makeFactory(freshFolder()), makeFactory(freshFolder())];
    await old.ensureTemplate(engine);
    await recent.ensureTemplate(engine);
    await age(old);
    await next.ensureTemplate(engine);
    expect(await templateExists(old)).toBe(false);
    expect(await templateExists(recent)).toBe(true);
    expect(await templateExists(next)).toBe(true);
  });
});

describe(`withRollback on ${engine}`, () => {
  it("returns the callback's result and leaves nothing behind", async () => {
    const clone = await makeFactory().clone(engine);
    const driver = await session(clone);
    try {
      const seen = await withRollback(driver, async (tx) => {
        await tx.exec("insert into note values (10, 'temporary')");
        await tx.exec("create table scratch (a int)");
        return (await tx.query<{ body: string }>("select body from note order by id")).map((r) => r.body);
      });
      expect(seen).toEqual(["seeded", "temporary"]);
      expect(await driver.query("select body from note order by id")).toEqual([{ body: "seeded" }]);
      expect(await driver.query("select 1 from pg_tables where tablename = 'scratch'")).toEqual([]);
    } finally {
      await driver.close();
      await clone.close();
    }
  });

  it("rolls back and rethrows when the callback fails", async () => {
    const clone = await makeFactory().clone(engine);
    const driver = await session(clone);
    try {
      const failing = withRollback(driver, async (tx) => {
        await tx.exec("insert into note values (11, 'temporary')");
        await tx.exec("insert into note values (11, 'duplicate')");
      });
      await expect(failing).rejects.toThrow(/duplicate key/);
      expect(await driver.query("select count(*)::int as n from note")).toEqual([{ n: 1 }]);
    } finally {
      await driver.close();
      await clone.close();
    }
  });
});

if (engine === "postgres") {
  describe("a base database on the server", () => {
    it("is what the template starts as: what an admin created there (an extension, here a table) is in every clone", async () => {
      const base = `factorytest_base_${process.pid}`;
      const admin = await openPostgresDriver(serverUrl);
      const baseUrl = new URL(serverUrl);
      baseUrl.pathname = `/${base}`;
      await admin.exec(`DROP DATABASE IF EXISTS ${base} WITH (FORCE)`);
      await admin.exec(`CREATE DATABASE ${base}`);
      const setup = await openPostgresDriver(baseUrl.toString());
      await setup.exec("CREATE TABLE made_by_admin (id int)");
      await setup.close();
      const factory = createTestDatabaseFactory({
        name: "factorytest",
        inputs: { paths: [folder], version: "1" },
        prepare: (target) => applyFolder(folder, target),
        server: { url: serverUrl, baseDatabase: base },
      });
      factories.push(factory);
      const clone = await factory.clone("postgres");
      const driver = await session(clone);
      try {
        expect(await driver.query("select tablename from pg_tables where schemaname = 'public' order by 1")).toEqual([
          { tablename: "made_by_admin" },
          { tablename: "note" },
        ]);
        expect(factory.templateName("postgres")).not.toBe(makeFactory().templateName("postgres"));
      } finally {
        await driver.close();
        await clone.close();
        await admin.exec(`DROP DATABASE IF EXISTS ${base} WITH (FORCE)`);
        await admin.close();
      }
    });
  });
}

if (engine === "postgres") {
  describe("a base database that is not there", () => {
    it("fails the template build naming the base and how to make it", async () => {
      const factory = createTestDatabaseFactory({
        name: "factorytest",
        inputs: { paths: [folder], version: "missing base" },
        prepare: (target) => applyFolder(folder, target),
        server: { url: serverUrl, baseDatabase: "factorytest_no_such_base" },
      });
      const error = await factory.clone("postgres").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TemplateBuildError);
      expect((error as TemplateBuildError).message).toMatch(
        /could not copy the base database factorytest_no_such_base: template database "factorytest_no_such_base" does not exist/,
      );
      expect((error as TemplateBuildError).fix).toMatch(/^create factorytest_no_such_base as an admin/);
    });
  });
}

if (engine === "pglite") {
  describe("a factory without a cache folder of its own", () => {
    /**
     * A factory that keeps its templates in the temporary folder (no `pglite.cacheDir`). Each new
     * temporary folder needs a new base: loaded from the tests' empty dump rather than initdb (2–3 s).
     */
    const tmpdirFactory = (version: string) =>
      createTestDatabaseFactory({
        name: "factorytmp",
        inputs: { paths: [folder], version },
        prepare: (target) => applyFolder(folder, target),
        pglite: {
          open: (dataDir) => openPgliteFolder(dataDir, { cacheDir: TEST_PGLITE_CACHE }),
        },
      });

    /** Runs `fn` with two new temporary folders, putting TMPDIR back and removing them after. */
    async function withTwoTmpdirs(fn: (first: string, second: string) => Promise<void>): Promise<void> {
      const before = process.env["TMPDIR"];
      const first = mkdtempSync(join(tmpdir(), "factory-tmpdir-"));
      const second = mkdtempSync(join(tmpdir(), "factory-tmpdir-"));
      try {
        await fn(first, second);
      } finally {
        if (before === undefined) delete process.env["TMPDIR"];
        else process.env["TMPDIR"] = before;
        for (const dir of [first, second]) rmSync(dir, { recursive: true, force: true });
      }
    }

    it("keeps templates and clones in the temporary folder of the moment it builds and clones, not of when it was made", () =>
      withTwoTmpdirs(async (later) => {
        const factory = tmpdirFactory("tmpdir");
        process.env["TMPDIR"] = later;
        const clone = await factory.clone("pglite");
        try {
          expect(clone.engine === "pglite" && clone.dataDir.startsWith(`${later}/factorytmp-test-`)).toBe(true);
          expect(existsSync(join(later, "factorytmp-test-templates", factory.templateName("pglite")))).toBe(true);
          expect(await notes(clone)).toEqual(["seeded"]);
        } finally {
          await clone.close();
        }
      }));

    it("clones from the folder it built the template in, though TMPDIR changes while it builds", () =>
      withTwoTmpdirs(async (first, second) => {
        const factory = tmpdirFactory("tmpdir changes");
        process.env["TMPDIR"] = first;
        const pending = factory.clone("pglite");
        process.env["TMPDIR"] = second;
        const clone = await pending;
        try {
          expect(existsSync(join(first, "factorytmp-test-templates", factory.templateName("pglite")))).toBe(true);
          expect(await notes(clone)).toEqual(["seeded"]);
        } finally {
          await clone.close();
        }
      }));
  });
}
