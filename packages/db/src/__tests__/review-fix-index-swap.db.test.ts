/**
 * `db:review --fix` on what Drizzle Kit generates when an index's definition changes on an
 * existing table (`DROP INDEX "i"; CREATE UNIQUE INDEX "i" …`): the old index is renamed out of
 * the way in the migration, and a no-transaction migration builds the new one CONCURRENTLY under
 * the name, then drops the old one CONCURRENTLY. The fixed history passes the review, keeps the
 * snapshots, applies with the runner, never leaves the table without a unique index, and finishes
 * when run again after a stop at any statement (or a failed build) without building the index twice.
 */
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
