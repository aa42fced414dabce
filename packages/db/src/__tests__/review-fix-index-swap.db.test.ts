/**
 * `db:review --fix` on what Drizzle Kit generates when an index's definition changes on an
 * existing table (`DROP INDEX "i"; CREATE UNIQUE INDEX "i" …`): the old index is renamed out of
 * the way in the migration, and a no-transaction migration builds the new one CONCURRENTLY under
 * the name, then drops the old one CONCURRENTLY. The fixed history passes the review, keeps the
 * snapshots, applies with the runner, never leaves the table without a unique index, and finishes
 * when run again after a stop at any statement (or a failed build) without building the index twice.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateMigration } from "drizzle-kit/api";
import { type Driver, readMigrationFolder, RunnerError, runMigrations, splitStatements } from "@repo/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitRepository, gitRepository } from "../testing/git-repository.ts";
import { runCommand } from "../testing/run-command.ts";
import { createTestDatabase, MIGRATIONS_FOLDER } from "../testing/test-database.ts";

const BREAK = "--> statement-breakpoint\n";
/** How many migrations the committed history has: the fixture is numbered after it. */
const COMMITTED = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;
const number = (offset: number) => String(COMMITTED + offset).padStart(4, "0");
const FIRST = `${number(0)}_ai-model-id-unique`;
const ONLINE = `${number(1)}_ai-model-id-unique-online`;
const INDEX = "ai_model_provider_providerModelId_idx";

type Snapshot = {
  id: string;
  prevId: string;
  tables: Record<string, { indexes: Record<string, { columns: unknown[] }> }>;
};

const FIXED_FIRST = [
  `-- Manual addition: db:review --fix renames the index here instead of dropping it (a plain DROP INDEX locks the table ACCESS EXCLUSIVE, and the table would have no "${INDEX}" until the next migration built it); the next migration builds the new definition CONCURRENTLY, then drops this one CONCURRENTLY.`,
  "DO $$ BEGIN",
  `  IF to_regclass('"${INDEX}"') IS NOT NULL THEN`,
  `    ALTER INDEX "${INDEX}" RENAME TO "${INDEX}_old";`,
  "  END IF;",
  "END $$;",
  "",
].join("\n");

const FIXED_ONLINE = [
  "-- migrator:no-transaction",
  `-- Manual addition: moved here from ${FIRST} by db:review --fix: the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile; an index's old definition, renamed before, is dropped CONCURRENTLY only once the new one is built, so the table always has one.`,
  `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "${INDEX}" ON "ai_model" USING btree ("provider_model_id");--> statement-breakpoint`,
  `-- review-ignore drop-statement: the old definition of "${INDEX}", renamed by db:review --fix in the migration before this one; the index built above replaces it.`,
  `DROP INDEX CONCURRENTLY IF EXISTS "${INDEX}_old";`,
  "",
].join("\n");

let repo: GitRepository;
let generated: string[];
let fixRun: Awaited<ReturnType<typeof runCommand>>;
let reviewAfter: Awaited<ReturnType<typeof runCommand>>;

beforeAll(async () => {
  repo = gitRepository();
  // The schema change as a developer makes it: the model registry's unique key becomes the
  // provider's model id alone (same index name), and Drizzle Kit generates the migration.
  const previous = repo.migrations.snapshot(COMMITTED - 1) as Snapshot;
  const changed = structuredClone(previous);
  const index = changed.tables["public.ai_model"]!.indexes[INDEX]!;
  index.columns = index.columns.slice(1);
  generated = await generateMigration(previous as never, changed as never);
  repo.migrations.add("ai-model-id-unique", generated.join(BREAK), { snapshot: changed });
  fixRun = await runCommand("review", ["--fix", "--migrations", repo.migrations.dir, "--format", "json"], {});
  reviewAfter = await runCommand(
    "review",
    ["--no-baseline", "--migrations", repo.migrations.dir, "--format", "json", number(0), number(1)],
    {},
  );
}, 120_000);

afterAll(() => repo?.remove());

/** The indexes on ai_model besides its primary key: name, valid, definition, and its object id. */
async function modelIndexes(driver: Driver) {
  return driver.query<{ name: string; valid: boolean; definition: string; oid: string }>(
    `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition, i.indexrelid::oid::text AS oid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'ai_model'::regclass AND NOT i.indisprimary ORDER BY 1`,
  );
}

const OLD_DEFINITION = `CREATE UNIQUE INDEX "${INDEX}_old" ON public.ai_model USING btree (provider, provider_model_id)`;
const NEW_DEFINITION = `CREATE UNIQUE INDEX "${INDEX}" ON public.ai_model USING btree (provider_model_id)`;

/** The folder without its last migration (the no-transaction one): what a run stopped before it applied. */
function withoutOnline() {
  const folder = readMigrationFolder(repo.migrations.dir);
  return { ...folder, migrations: folder.migrations.slice(0, -1) };
}

describe("db:review --fix on a redefined index", { timeout: 60_000 }, () => {
  it("is given Drizzle Kit's drop and create of the index under the same name", () => {
    expect(generated).toEqual([
      `DROP INDEX "${INDEX}";`,
      `CREATE UNIQUE INDEX "${INDEX}" ON "ai_model" USING btree ("provider_model_id");`,
    ]);
  });

  it("renames the old index in the migration, and builds the new one, then drops the old, CONCURRENTLY in a new one", () => {
    expect(fixRun.stderr.split("\n").filter((line) => line.startsWith("fixed: "))).toEqual([
      `fixed: ${FIRST}.sql:1: index "${INDEX}" renamed "${INDEX}_old" instead of dropped, and dropped CONCURRENTLY in a new migration once its new definition is built`,
      `fixed: ${FIRST}.sql:2: index "${INDEX}" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction`,
      `fixed: ${ONLINE}.sql written (new migration)`,
    ]);
    expect(repo.migrations.read(FIRST)).toBe(FIXED_FIRST);
    expect(repo.migrations.read(ONLINE)).toBe(FIXED_ONLINE);
  });

  it("leaves a result that passes the review", () => {
    expect(JSON.parse(fixRun.stdout)).toEqual([]);
    expect(fixRun.code).toBe(0);
    expect(JSON.parse(reviewAfter.stdout)).toEqual([]);
    expect(reviewAfter.code).toBe(0);
  });

  it("keeps the snapshots: both hold the new definition under the index's name, and the new migration changes no schema", async () => {
    const first = repo.migrations.snapshot(COMMITTED) as Snapshot;
    const online = repo.migrations.snapshot(COMMITTED + 1) as Snapshot;
    expect(Object.keys(online.tables["public.ai_model"]!.indexes)).toEqual([INDEX]);
    expect(online.tables["public.ai_model"]!.indexes[INDEX]!.columns).toEqual([
      expect.objectContaining({ expression: "provider_model_id" }),
    ]);
    expect(online.prevId).toBe(first.id);
    expect(await generateMigration(first as never, online as never)).toEqual([]);
  });

  it("applies with the runner: the new definition under the index's name, valid, and the old one gone", async () => {
    const db = await createTestDatabase();
    try {
      const { applied, verification } = await runMigrations(db.driver, readMigrationFolder(repo.migrations.dir));
      expect(applied.map((m) => m.tag)).toEqual([FIRST, ONLINE]);
      expect(verification.ok).toBe(true);
      expect((await modelIndexes(db.driver)).map((i) => [i.definition, i.valid])).toEqual([[NEW_DEFINITION, true]]);
    } finally {
      await db.close();
    }
  });

  it("takes no ACCESS EXCLUSIVE lock: the migration's rename holds SHARE UPDATE EXCLUSIVE on the old index alone", async () => {
    const db = await createTestDatabase();
    try {
      const [rename] = splitStatements(repo.migrations.read(FIRST));
      await db.driver.exec("BEGIN");
      await db.driver.exec(rename!.sql);
      const locks = await db.driver.query<{ relation: string; mode: string }>(
        `SELECT relation::regclass::text AS relation, mode FROM pg_locks
          WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation <> 'pg_locks'::regclass`,
      );
      await db.driver.exec("ROLLBACK");
      expect(locks).toEqual([{ relation: `"${INDEX}_old"`, mode: "ShareUpdateExclusiveLock" }]);
    } finally {
      await db.close();
    }
  });

  for (const stop of [1, 2]) {
    it(`keeps a unique index on the table after each statement, and run again after a stop after statement ${stop} of the new migration, finishes without building the index twice`, async () => {
      const db = await createTestDatabase();
      try {
        await runMigrations(db.driver, withoutOnline());
        expect((await modelIndexes(db.driver)).map((i) => [i.definition, i.valid])).toEqual([[OLD_DEFINITION, true]]);
        const [build, drop] = splitStatements(repo.migrations.read(ONLINE));
        await db.driver.exec(build!.sql);
        expect((await modelIndexes(db.driver)).map((i) => [i.definition, i.valid])).toEqual([
          [NEW_DEFINITION, true],
          [OLD_DEFINITION, true],
        ]);
        if (stop === 2) await db.driver.exec(drop!.sql);
        const built = (await modelIndexes(db.driver)).find((i) => i.name === INDEX);

        // The runner did not record the migration: it runs it again from the top.
        const { applied } = await runMigrations(db.driver, readMigrationFolder(repo.migrations.dir));
        expect(applied.map((m) => m.tag)).toEqual([ONLINE]);
        expect(await modelIndexes(db.driver)).toEqual([built]);
      } finally {
        await db.close();
      }
    });
  }

  it("keeps the old unique index when the new one's build fails (duplicates), leaves no INVALID index, and finishes once the data is fixed", async () => {
    const db = await createTestDatabase();
    try {
      await runMigrations(db.driver, withoutOnline());
      await db.driver.exec(
        `INSERT INTO "ai_model" ("id", "provider", "provider_model_id", "display_name")
         VALUES ('fix-a', 'openai', 'shared-model', 'A'), ('fix-b', 'anthropic', 'shared-model', 'B')`,
      );
      const failed = await runMigrations(db.driver, readMigrationFolder(repo.migrations.dir)).catch(
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(RunnerError);
      expect((await modelIndexes(db.driver)).map((i) => [i.definition, i.valid])).toEqual([[OLD_DEFINITION, true]]);

      await db.driver.exec(`DELETE FROM "ai_model" WHERE "id" = 'fix-b'`);
      const { applied } = await runMigrations(db.driver, readMigrationFolder(repo.migrations.dir));
      expect(applied.map((m) => m.tag)).toEqual([ONLINE]);
      expect((await modelIndexes(db.driver)).map((i) => [i.definition, i.valid])).toEqual([[NEW_DEFINITION, true]]);
    } finally {
      await db.close();
    }
  });
});

/** A migrations folder of these migrations (`0000_m0`, `0001_m1` …) in a git work tree without commits: each may be fixed. */
function uncommittedFolder(migrations: readonly string[]): { dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), "fix-index-swap-"));
  execFileSync("git", ["init", "-q"], { cwd: root });
  const dir = join(root, "migrations");
  mkdirSync(join(dir, "meta"), { recursive: true });
  const entries = migrations.map((sql, idx) => {
    const tag = `${String(idx).padStart(4, "0")}_m${idx}`;
    writeFileSync(join(dir, `${tag}.sql`), sql);
    return { idx, version: "7", when: 1_700_000_000_000 + idx * 1000, tag, breakpoints: true };
  });
  writeFileSync(join(dir, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The migration files of a folder, by tag. */
function filesOf(dir: string): Map<string, string> {
  return new Map(readMigrationFolder(dir).migrations.map((m) => [m.tag, m.sql]));
}

/**
 * Runs `db:review --fix` on the migrations, then applies what it left to an empty database with the
 * runner (up to the migration `upTo`, if given): the tags applied, or the error the run ended with.
 */
async function fixThenApply(
  migrations: readonly string[],
  check: (driver: Driver, outcome: { files: Map<string, string>; applied: string[]; error?: unknown }) => Promise<void>,
  upTo?: number,
): Promise<void> {
  const folder = uncommittedFolder(migrations);
  const db = await createTestDatabase({ migrate: false });
  try {
    await runCommand("review", ["--fix", "--migrations", folder.dir, "--format", "json"], {});
    const files = filesOf(folder.dir);
    const all = readMigrationFolder(folder.dir);
    const run = upTo === undefined ? all : { ...all, migrations: all.migrations.slice(0, upTo + 1) };
    const outcome = await runMigrations(db.driver, run).then(
      ({ applied }) => ({ files, applied: applied.map((m) => m.tag) }),
      (error: unknown) => ({ files, applied: [], error }),
    );
    await check(db.driver, outcome);
  } finally {
    await db.close();
    folder.remove();
  }
}

/** A table's indexes, `name: definition`. */
async function indexesOf(driver: Driver, schema: string, table: string): Promise<string[]> {
  const rows = await driver.query<{ indexname: string; indexdef: string }>(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1",
    [schema, table],
  );
  return rows.map((row) => `${row.indexname}: ${row.indexdef}`);
}

describe("db:review --fix on a redefined index whose old definition, only renamed, would not behave as the dropped one", () => {
  const refused = [
    {
      what: "a foreign key of another table checks against it",
      history: [
        'CREATE TABLE "t" ("a" int);',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
        'CREATE TABLE "c" ("ta" int REFERENCES "t" ("a"));',
      ],
      migration: [
        'DROP INDEX "t_a_idx";',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" USING btree ("a") WITH (fillfactor=70);',
      ],
      error: "cannot drop index t_a_idx because other objects depend on it",
      table: "t",
      indexes: ["t_a_idx: CREATE UNIQUE INDEX t_a_idx ON public.t USING btree (a)"],
    },
    {
      what: "it is a constraint's index",
      history: ['CREATE TABLE "u" ("a" int CONSTRAINT "u_a_key" UNIQUE);'],
      migration: [
        'DROP INDEX "u_a_key";',
        'CREATE UNIQUE INDEX "u_a_key" ON "u" USING btree ("a") WITH (fillfactor=70);',
      ],
      error: "cannot drop index u_a_key because constraint u_a_key on table u requires it",
      table: "u",
      indexes: ["u_a_key: CREATE UNIQUE INDEX u_a_key ON public.u USING btree (a)"],
    },
    {
      what: "it is a partition's index, attached to its parent's",
      history: [
        'CREATE TABLE "p" ("a" int) PARTITION BY LIST ("a");',
        'CREATE TABLE "p1" PARTITION OF "p" FOR VALUES IN (1);',
        'CREATE INDEX "p1_a_idx" ON "p1" ("a");',
        'CREATE INDEX "p_a_idx" ON ONLY "p" ("a");',
        'ALTER INDEX "p_a_idx" ATTACH PARTITION "p1_a_idx";',
      ],
      migration: ['DROP INDEX "p1_a_idx";', 'CREATE INDEX "p1_a_idx" ON "p1" USING btree ("a") WITH (fillfactor=70);'],
      error: "cannot drop index p1_a_idx because index p_a_idx requires it",
      table: "p1",
      indexes: ["p1_a_idx: CREATE INDEX p1_a_idx ON public.p1 USING btree (a)"],
    },
  ];
  for (const { what, history, migration, error, table, indexes } of refused) {
    it(`leaves the migration as written when ${what}: PostgreSQL refuses its DROP INDEX in the migration's transaction, and the index stays as it was, with no renamed copy`, async () => {
      const migrations = [history.join(BREAK), migration.join(BREAK)];
      await fixThenApply(migrations, async (driver, outcome) => {
        expect(await indexesOf(driver, "public", table)).toEqual(indexes);
        expect(outcome.error).toBeInstanceOf(RunnerError);
        expect(String((outcome.error as Error).message)).toContain(error);
        expect([...outcome.files.values()].slice(1)).toEqual([migrations[1]]);
      });
    });
  }

  it("leaves a unique index's redefinition where it is when the migration then writes to the table: the rows the new definition allows go in", async () => {
    const migrations = [
      [
        'CREATE TABLE "t" ("a" int, "b" int);',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
        'INSERT INTO "t" VALUES (1, 1);',
      ].join(BREAK),
      [
        'DROP INDEX "t_a_idx";',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" USING btree ("a","b");',
        'INSERT INTO "t" VALUES (1, 2);',
      ].join(BREAK),
    ];
    await fixThenApply(migrations, async (driver, outcome) => {
      expect(outcome.error).toBeUndefined();
      expect(outcome.applied).toEqual(["0000_m0", "0001_m1"]);
      expect(await indexesOf(driver, "public", "t")).toEqual([
        "t_a_idx: CREATE UNIQUE INDEX t_a_idx ON public.t USING btree (a, b)",
      ]);
      expect(await driver.query('SELECT "a", "b" FROM "t" ORDER BY 2')).toEqual([
        { a: 1, b: 1 },
        { a: 1, b: 2 },
      ]);
    });
  });

  it("leaves a redefinition where it is when the column changes type in between (Drizzle Kit 0.31's order): the old expression index is not rebuilt on the new type", async () => {
    const migrations = [
      ['CREATE TABLE "t" ("id" text);', 'CREATE INDEX "t_lower_idx" ON "t" (lower("id"));'].join(BREAK),
      [
        'DROP INDEX "t_lower_idx";',
        'ALTER TABLE "t" ALTER COLUMN "id" SET DATA TYPE uuid USING "id"::uuid;',
        'CREATE INDEX "t_lower_idx" ON "t" USING btree ("id");',
      ].join(BREAK),
    ];
    await fixThenApply(migrations, async (driver, outcome) => {
      expect(outcome.error).toBeUndefined();
      expect(outcome.applied).toEqual(["0000_m0", "0001_m1"]);
      expect(await indexesOf(driver, "public", "t")).toEqual([
        "t_lower_idx: CREATE INDEX t_lower_idx ON public.t USING btree (id)",
      ]);
    });
  });

  it("swaps one of two indexes whose old names cut to the same 63 bytes and leaves the other: both end with their new definitions", async () => {
    const first = `${"x".repeat(59)}a`;
    const second = `${"x".repeat(59)}b`;
    const migrations = [
      [
        'CREATE TABLE "t" ("a" int, "b" int);',
        `CREATE INDEX "${first}" ON "t" ("a");`,
        `CREATE INDEX "${second}" ON "t" ("b");`,
      ].join(BREAK),
      [
        `DROP INDEX "${first}";`,
        `CREATE INDEX "${first}" ON "t" ("a", "b");`,
        `DROP INDEX "${second}";`,
        `CREATE INDEX "${second}" ON "t" ("b", "a");`,
      ].join(BREAK),
    ];
    await fixThenApply(migrations, async (driver, outcome) => {
      expect(outcome.error).toBeUndefined();
      expect(outcome.applied).toEqual(["0000_m0", "0001_m1", "0002_m1-online"]);
      expect(await indexesOf(driver, "public", "t")).toEqual([
        `${first}: CREATE INDEX ${first} ON public.t USING btree (a, b)`,
        `${second}: CREATE INDEX ${second} ON public.t USING btree (b, a)`,
      ]);
    });
  });

  it("moves nothing out of a migration that sets search_path: its index is built on the table of that schema", async () => {
    const migrations = [
      ['CREATE SCHEMA "app";', 'CREATE TABLE "app"."t" ("a" int);', 'CREATE TABLE "t" ("a" int);'].join(BREAK),
      ['SET LOCAL search_path TO "app";', 'CREATE INDEX "t_a_idx" ON "t" ("a");'].join(BREAK),
    ];
    await fixThenApply(migrations, async (driver, outcome) => {
      expect(await indexesOf(driver, "app", "t")).toEqual(["t_a_idx: CREATE INDEX t_a_idx ON app.t USING btree (a)"]);
      expect(await indexesOf(driver, "public", "t")).toEqual([]);
      expect(outcome.error).toBeUndefined();
      expect(outcome.applied).toEqual(["0000_m0", "0001_m1"]);
    });
  });

  it("sees the DROP INDEX in an earlier migration's routine called before the CREATE: the build stays in the migration, so the table has its unique index once the migration is applied", async () => {
    const migrations = [
      [
        'CREATE TABLE "t" ("a" int, "b" int);',
        'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a");',
        'CREATE FUNCTION "drop_it"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP INDEX "t_a_idx"; END $$;',
      ].join(BREAK),
      ['SELECT "drop_it"();', 'CREATE UNIQUE INDEX "t_a_idx" ON "t" ("a", "b");'].join(BREAK),
    ];
    await fixThenApply(
      migrations,
      async (driver, outcome) => {
        expect(await indexesOf(driver, "public", "t")).toEqual([
          "t_a_idx: CREATE UNIQUE INDEX t_a_idx ON public.t USING btree (a, b)",
        ]);
        expect(outcome.applied).toEqual(["0000_m0", "0001_m1"]);
        expect([...outcome.files.keys()]).toEqual(["0000_m0", "0001_m1"]);
      },
      1,
    );
  });
});
