/**
 * db:revert of a migration that built or dropped an index CONCURRENTLY (0011, 0012): the revert
 * does the reverse CONCURRENTLY in a `-- migrator:no-transaction` migration, which db:review's
 * lock rules pass; a revert that would also need a transaction is refused, naming what to split.
 * Applying such reverts on both engines is revert.db.test.ts's.
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateMigration } from "drizzle-kit/api";
import {
  MigratorError,
  planRevert,
  readMigrationFolder,
  readReviewConfig,
  type RevertError,
  runReview,
  writeRevert,
} from "@repo/migrator";
import { REVIEW_CONFIG_PATH } from "../project.ts";
import { runCommand } from "../testing/run-command.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";

type Tables = Record<string, { columns: Record<string, unknown>; indexes: Record<string, unknown> }>;

let scratch: ScratchMigrations | undefined;
afterEach(() => {
  scratch?.remove();
  scratch = undefined;
});

function scratchUpTo(idx: number): ScratchMigrations {
  scratch = scratchMigrations(idx);
  return scratch;
}

/** Writes the revert of the folder's last migration; returns its plan, the runner's reading of it and its review. */
async function writtenRevert(s: ScratchMigrations) {
  const plan = await planRevert({ folder: s.dir });
  writeRevert(plan);
  const written = readMigrationFolder(s.dir).migrations.at(-1);
  const review = await runReview({
    folder: s.dir,
    config: readReviewConfig(REVIEW_CONFIG_PATH),
    tags: [plan.migration.entry.tag],
  });
  return { plan, written, rules: [...new Set(review.findings.map((f) => f.rule))].sort() };
}

/** The lock and re-runnability rules a revert of a concurrent migration must pass. */
const LOCK_RULES = [
  "non-concurrent-drop-index",
  "non-concurrent-index",
  "concurrent-index-in-transaction",
  "no-transaction-not-rerunnable",
  "manual-addition-header",
];

describe("db:revert of a migration that worked on an index CONCURRENTLY", () => {
  it("drops 0011's index CONCURRENTLY IF EXISTS, in a migration the runner applies outside a transaction", async () => {
    const s = scratchUpTo(11);
    const { plan, written, rules } = await writtenRevert(s);
    expect(plan.outsideTransaction).toBe(true);
    expect(plan.statements.map((st) => st.sql)).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_organizationId_createdAt_idx";',
    ]);
    expect(plan.migration.sql.split("\n")[0]).toBe("-- migrator:no-transaction");
    expect(written?.noTransaction).toBe(true);
    for (const rule of LOCK_RULES) expect(rules).not.toContain(rule);
    // The rewrite changes how, not what: the written snapshot is still the one before 0011.
    expect(await generateMigration(s.snapshot(12) as never, s.snapshot(10) as never)).toEqual([]);
  });

  it("refuses to revert 0011 again: its revert's header stands under the no-transaction directive", async () => {
    const s = scratchUpTo(11);
    const { plan } = await writtenRevert(s);
    const again = await planRevert({ folder: s.dir, tag: "0011", name: "again" }).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    expect(again?.code).toBe("already-reverted");
    expect(again?.message).toContain(`by ${plan.migration.entry.tag}`);
  });

  it("builds 0011's index again CONCURRENTLY before dropping 0012's, as 0012 built before it dropped", async () => {
    const { plan, written, rules } = await writtenRevert(scratchUpTo(12));
    expect(plan.statements.map((st) => st.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_organizationId_createdAt_idx" ON "ai_usage" USING btree ("organization_id","created_at" DESC NULLS LAST);',
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_tenant_latest_idx";',
    ]);
    expect(written?.noTransaction).toBe(true);
    for (const rule of LOCK_RULES) expect(rules).not.toContain(rule);
  });

  it("keeps an index redefined under its name in the revert's transaction: dropped, then built, plainly", async () => {
    const s = scratchUpTo(12);
    const snapshot = s.snapshot(12);
    const index = (snapshot["tables"] as Tables)["public.ai_usage"]?.indexes["ai_usage_correlationId_idx"];
    if (!index) throw new Error("no ai_usage_correlationId_idx in snapshot 0012");
    Object.assign(index, { method: "hash" });
    s.add(
      "correlation-hash",
      [
        "-- migrator:no-transaction",
        '-- Manual addition: equality lookups only.\nDROP INDEX CONCURRENTLY IF EXISTS "ai_usage_correlationId_idx";--> statement-breakpoint',
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING hash ("correlation_id");',
      ].join("\n"),
      { snapshot },
    );
    const { plan, written } = await writtenRevert(s);
    // Outside a transaction the table would have no such index from the drop until the build ends.
    expect(plan.outsideTransaction).toBe(false);
    expect(written?.noTransaction).toBe(false);
    expect(plan.statements.map((st) => st.sql)).toEqual([
      'DROP INDEX IF EXISTS "ai_usage_correlationId_idx";',
      'CREATE INDEX IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    ]);
    expect(plan.statements[0]?.comments).toContain(
      `-- db:revert: not CONCURRENTLY, in the revert's transaction: index "ai_usage_correlationId_idx" is dropped and built again under its name: run CONCURRENTLY, outside a transaction, its table would be without it until the build ends (a unique one without its uniqueness), and for good if the build failed.`,
    );
  });

  it("reverses a hand-written index on a public-qualified table the same way, with a guarded statement beside it", async () => {
    const s = scratchUpTo(12);
    s.add(
      "trgm-index",
      [
        "-- migrator:no-transaction",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint",
        '-- Manual addition: fuzzy search on the operation; Drizzle Kit cannot declare gin_trgm_ops here.\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_operation_trgm_idx" ON "public"."ai_usage" USING gin ("operation" gin_trgm_ops);',
      ].join("\n"),
    );
    const { plan, written } = await writtenRevert(s);
    // The extension's reverse is guarded, so it may run outside a transaction too.
    expect(plan.statements.map((st) => st.sql)).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_operation_trgm_idx";',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
    ]);
    expect(written?.noTransaction).toBe(true);
  });

  it("says so on the command's screen and in its JSON", async () => {
    const s = scratchUpTo(11);
    const shown = await runCommand("revert", ["--migrations", s.dir, "--dry-run"], {});
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      "OUTSIDE A TRANSACTION: 0011_ai-usage-tenant-latest-index built or dropped an index CONCURRENTLY",
    );
    const json = await runCommand("revert", ["--migrations", s.dir, "--dry-run", "--json"], {});
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, written: false, outsideTransaction: true });
  });

  it("stays in a transaction when the reverted migration did nothing CONCURRENTLY (0010)", async () => {
    const { plan, written } = await writtenRevert(scratchUpTo(10));
    expect(plan.outsideTransaction).toBe(false);
    expect(written?.noTransaction).toBe(false);
  });

  it("refuses a revert that also needs a transaction, naming the statements to split, and writes nothing", async () => {
    const s = scratchUpTo(12);
    const snapshot = s.snapshot(12);
    const aiUsage = (snapshot["tables"] as Tables)["public.ai_usage"];
    if (!aiUsage) throw new Error("no ai_usage in snapshot 0012");
    aiUsage.columns["note"] = { name: "note", type: "text", primaryKey: false, notNull: false };
    aiUsage.indexes["ai_usage_note_idx"] = {
      name: "ai_usage_note_idx",
      columns: [{ expression: "note", isExpression: false, asc: true, nulls: "last" }],
      isUnique: false,
      concurrently: false,
      method: "btree",
      with: {},
    };
    s.add(
      "note",
      [
        "-- migrator:no-transaction",
        'ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "note" text;--> statement-breakpoint',
        '-- Manual addition: built CONCURRENTLY on the existing table.\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_note_idx" ON "ai_usage" USING btree ("note");',
      ].join("\n"),
      { snapshot },
    );
    const entries = s.entries().length;
    const error = (await planRevert({ folder: s.dir }).then(
      () => undefined,
      (e: unknown) => e,
    )) as RevertError;
    expect(error).toBeInstanceOf(MigratorError);
    expect(error.code).toBe("needs-transaction");
    expect(error.message).toContain('DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_note_idx";');
    expect(error.message).toContain(
      'ALTER TABLE "ai_usage" DROP COLUMN "note" (DROP COLUMN "note" on "ai_usage" without IF EXISTS)',
    );
    expect(error.fix).toMatch(/two migrations.*-- migrator:no-transaction/);

    const run = await runCommand("revert", ["--migrations", s.dir], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: cannot write the revert of \d{4}_note as one migration/);
    expect(run.stderr).toContain("fix: split it into two migrations");
    expect(s.entries()).toHaveLength(entries);
  });
});
