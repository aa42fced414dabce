/**
 * `db:review --fix` on a new, uncommitted migration after Trovella's committed history (in a git
 * repository of its own): it writes the safe form, that form passes the review, and it applies
 * with the runner on the test project's engine. Committed migrations are refused, untouched.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrationFolder, runMigrations } from "@repo/migrator";
import { runCommand } from "../testing/run-command.ts";
import { MIGRATIONS_FOLDER } from "../project.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

const BREAK = "--> statement-breakpoint\n";
/** How many migrations the committed history has: the fixtures are numbered after it. */
const COMMITTED = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;
/** The number of the fixture `offset` places after the committed history (0 = the first). */
const number = (offset: number) => String(COMMITTED + offset).padStart(4, "0");
const FIRST = `${number(0)}_fix-fixture`;
const ONLINE = `${number(1)}_fix-fixture-online`;
const FIXTURE = [
  '-- Manual addition: fixture for db:review --fix (no schema change in the snapshots).\nALTER TABLE "ai_model" ADD COLUMN "notes" text;',
  'CREATE INDEX "ai_model_notes_idx" ON "ai_model" USING btree ("notes");',
  'ALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "successor_id" text;',
  'ALTER TABLE "ai_model" ADD CONSTRAINT "ai_model_successor_id_ai_model_id_fk" FOREIGN KEY ("successor_id") REFERENCES "public"."ai_model"("id") ON DELETE set null ON UPDATE no action;',
  'ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_request_count_check" CHECK ("request_count" >= 0) NOT VALID;',
  'ALTER TABLE "ai_batch" VALIDATE CONSTRAINT "ai_batch_request_count_check";',
  'CREATE TABLE "review_note" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"body" text\n);\n',
  'CREATE INDEX "review_note_body_idx" ON "review_note" USING btree ("body");',
].join(BREAK);

const FIXED_FIRST = [
  '-- Manual addition: fixture for db:review --fix (no schema change in the snapshots).\nALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "notes" text;',
  'ALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "successor_id" text;',
  '-- Manual addition: NOT VALID added by db:review --fix; "ai_model_successor_id_ai_model_id_fk" is validated in the next migration.\nDO $$ BEGIN\n  ALTER TABLE "ai_model" ADD CONSTRAINT "ai_model_successor_id_ai_model_id_fk" FOREIGN KEY ("successor_id") REFERENCES "public"."ai_model"("id") ON DELETE set null ON UPDATE no action NOT VALID;\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$;',
  'DO $$ BEGIN\n  ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_request_count_check" CHECK ("request_count" >= 0) NOT VALID;\nEXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;\nEND $$;',
  'CREATE TABLE IF NOT EXISTS "review_note" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"body" text\n);\n',
  'CREATE INDEX IF NOT EXISTS "review_note_body_idx" ON "review_note" USING btree ("body");\n',
].join(BREAK);

const FIXED_ONLINE = [
  `-- migrator:no-transaction\n-- Manual addition: moved here from ${FIRST} by db:review --fix: the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile; VALIDATE runs after the NOT VALID constraint is committed, under SHARE UPDATE EXCLUSIVE, which blocks no reads or writes.\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_model_notes_idx" ON "ai_model" USING btree ("notes");`,
  'ALTER TABLE "ai_batch" VALIDATE CONSTRAINT "ai_batch_request_count_check";',
  'ALTER TABLE "ai_model" VALIDATE CONSTRAINT "ai_model_successor_id_ai_model_id_fk";\n',
].join(BREAK);

let scratch: ScratchMigrations;
let fixRun: Awaited<ReturnType<typeof runCommand>>;
let reviewAfter: Awaited<ReturnType<typeof runCommand>>;
let committed0008: string;

function git(...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
    cwd: dirname(scratch.dir),
    encoding: "utf8",
  });
}

beforeAll(async () => {
  scratch = scratchMigrations();
  git("init", "-q");
  git("add", ".");
  git("commit", "-q", "-m", "history");
  scratch.add("fix-fixture", FIXTURE);
  committed0008 = scratch.read("0008_add-correlation-id-and-embedding-count");
  fixRun = await runCommand("review", ["--fix", "--migrations", scratch.dir, "--format", "json"], {});
  reviewAfter = await runCommand(
    "review",
    ["--no-baseline", "--migrations", scratch.dir, "--format", "json", number(0), number(1)],
    {},
  );
}, 120_000);

afterAll(() => scratch?.remove());

describe("db:review --fix", { timeout: 60_000 }, () => {
  it("rewrites the new migration into its safe form and splits the rest into a no-transaction migration", () => {
    expect(fixRun.stderr.split("\n").filter((line) => line.startsWith("fixed: "))).toEqual([
      `fixed: ${FIRST}.sql:2: guarded (IF NOT EXISTS)`,
      `fixed: ${FIRST}.sql:3: index "ai_model_notes_idx" moved, built CONCURRENTLY IF NOT EXISTS outside a transaction`,
      `fixed: ${FIRST}.sql:5: constraint "ai_model_successor_id_ai_model_id_fk" added NOT VALID, validated in a new migration`,
      `fixed: ${FIRST}.sql:5: guarded (DO block catching the duplicate)`,
      `fixed: ${FIRST}.sql:6: guarded (DO block catching the duplicate)`,
      `fixed: ${FIRST}.sql:7: VALIDATE CONSTRAINT "ai_batch_request_count_check" moved after the commit of its NOT VALID`,
      `fixed: ${FIRST}.sql:8: guarded (IF NOT EXISTS)`,
      `fixed: ${FIRST}.sql:13: guarded (IF NOT EXISTS)`,
      `fixed: ${ONLINE}.sql written (new migration)`,
    ]);
    // A development database that applied the migration before the fix is told what it will find.
    expect(fixRun.stderr).toContain(
      `note: a database that applied ${FIRST} before this fix now finds them modified (or unknown, when renumbered): recreate that development database and migrate it again`,
    );
    expect(
      scratch
        .entries()
        .map((e) => e.tag)
        .slice(-2),
    ).toEqual([FIRST, ONLINE]);
    expect(scratch.read(FIRST)).toBe(FIXED_FIRST);
    expect(scratch.read(ONLINE)).toBe(FIXED_ONLINE);
    expect(scratch.snapshot(COMMITTED + 1).prevId).toBe(scratch.snapshot(COMMITTED).id);
    expect(scratch.entries()[COMMITTED + 1]!.when).toBeGreaterThan(scratch.entries()[COMMITTED]!.when);
  });

  it("leaves a result that passes the review (exit 0 with the fix, and without the baseline after it)", () => {
    expect(JSON.parse(fixRun.stdout)).toEqual([]);
    expect(fixRun.code).toBe(0);
    expect(JSON.parse(reviewAfter.stdout)).toEqual([]);
    expect(reviewAfter.code).toBe(0);
  });

  it("applies: the runner migrates a copy of the database to it, constraints validated, index valid", async () => {
    const db: TestDatabase = await createTestDatabase();
    try {
      const { applied, verification } = await runMigrations(db.driver, readMigrationFolder(scratch.dir));
      expect(applied.map((m) => m.tag)).toEqual([FIRST, ONLINE]);
      expect(verification.ok).toBe(true);
      const constraints = await db.driver.query(
        `SELECT conname, convalidated FROM pg_constraint WHERE conname IN ('ai_batch_request_count_check', 'ai_model_successor_id_ai_model_id_fk') ORDER BY 1`,
      );
      expect(constraints).toEqual([
        { conname: "ai_batch_request_count_check", convalidated: true },
        { conname: "ai_model_successor_id_ai_model_id_fk", convalidated: true },
      ]);
      const [index] = await db.driver.query(
        `SELECT indisvalid FROM pg_index WHERE indexrelid = 'ai_model_notes_idx'::regclass`,
      );
      expect(index).toEqual({ indisvalid: true });
    } finally {
      await db.close();
    }
  });

  it("has nothing left to fix the second time", async () => {
    const again = await runCommand("review", ["--fix", "--migrations", scratch.dir, "--format", "json"], {});
    expect(again.stderr).toContain("--fix: nothing to fix in the 2 uncommitted migration(s)");
    expect(again.code).toBe(0);
    expect(scratch.read(FIRST)).toBe(FIXED_FIRST);
  });

  it("refuses a committed migration (exit 2) and leaves it as it was", async () => {
    const { code, stderr } = await runCommand("review", ["--fix", "--migrations", scratch.dir, "0008"], {});
    expect(stderr).toContain(
      "error: 0008_add-correlation-id-and-embedding-count is committed (or older than a committed migration): it may already be applied somewhere, and --fix never rewrites such a migration",
    );
    expect(code).toBe(2);
    expect(scratch.read("0008_add-correlation-id-and-embedding-count")).toBe(committed0008);
  });

  it("renumbers the uncommitted migrations after the one it splits, files, snapshots and journal", async () => {
    const other = scratchMigrations();
    try {
      execFileSync("git", ["init", "-q"], { cwd: dirname(other.dir) });
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "add", "."], {
        cwd: dirname(other.dir),
      });
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "h"], {
        cwd: dirname(other.dir),
      });
      other.add(
        "index-first",
        '-- Manual addition: fixture.\nCREATE INDEX IF NOT EXISTS "ai_model_name_idx" ON "ai_model" ("name");',
      );
      other.add("later", '-- Manual addition: fixture.\nALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "later" text;');
      const laterSnapshotId = other.snapshot(COMMITTED + 1).id;
      const { code } = await runCommand("review", ["--fix", "--migrations", other.dir, number(0), number(1)], {});
      expect(code).toBe(0);
      expect(
        other
          .entries()
          .map((e) => [e.idx, e.tag])
          .slice(-2),
      ).toEqual([
        [COMMITTED, `${number(0)}_index-first`],
        [COMMITTED + 1, `${number(1)}_later`],
      ]);
      // The only statement moved: the migration itself became the no-transaction one, nothing renumbered.
      expect(other.read(`${number(0)}_index-first`)).toMatch(
        /^-- migrator:no-transaction\n-- Manual addition: rewritten by db:review --fix/,
      );
      expect(other.snapshot(COMMITTED + 1).id).toBe(laterSnapshotId);

      other.add(
        "check",
        'ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_failed_count_check" CHECK ("failed_count" >= 0);',
      );
      other.add("last", '-- Manual addition: fixture.\nALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "last" text;');
      const lastSnapshot = other.snapshot(COMMITTED + 3);
      const second = await runCommand("review", ["--fix", "--migrations", other.dir, number(2)], {});
      expect(second.stderr).toContain(`fixed: ${number(3)}_last.sql renamed to ${number(4)}_last.sql`);
      expect(
        other
          .entries()
          .map((e) => e.tag)
          .slice(-3),
      ).toEqual([`${number(2)}_check`, `${number(3)}_check-online`, `${number(4)}_last`]);
      expect(other.read(`${number(4)}_last`)).toContain('"last" text');
      expect(other.snapshot(COMMITTED + 3).prevId).toBe(other.snapshot(COMMITTED + 2).id);
      expect(other.snapshot(COMMITTED + 4)).toEqual({ ...lastSnapshot, prevId: other.snapshot(COMMITTED + 3).id });
      expect(() => other.read(`${number(3)}_last`)).toThrow();
    } finally {
      other.remove();
    }
  });

  it("refuses a folder outside git (exit 2): it cannot tell what is committed", async () => {
    const outside = scratchMigrations();
    try {
      const journal = readFileSync(join(outside.dir, "meta", "_journal.json"), "utf8");
      const { code, stderr } = await runCommand("review", ["--fix", "--migrations", outside.dir], {});
      expect(stderr).toContain("--fix cannot tell which migrations are committed");
      expect(code).toBe(2);
      expect(readFileSync(join(outside.dir, "meta", "_journal.json"), "utf8")).toBe(journal);
    } finally {
      outside.remove();
    }
  });
});
