/**
 * `db:review --live` measures locks, rewrites and scans on the test project's engine: on the
 * server in a throwaway database created for the run (a second session watches the statements
 * that run outside a transaction), on PGlite in a throwaway data directory. Two fixture migrations
 * after Trovella's history: one in a transaction (a rewrite, a plain ACCESS EXCLUSIVE, a
 * validation scan), one without (CREATE INDEX CONCURRENTLY).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  embeddedLiveDatabase,
  formatLockReport,
  type LiveReview,
  liveReview,
  readMigrationFolder,
  readReviewConfig,
  reviewSources,
  serverLiveDatabase,
  type StatementEvidence,
} from "@repo/migrator";
import { openThrowawayDatabase } from "../connection.ts";
import { REVIEW_CONFIG_PATH } from "../project.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";
import { TEST_SERVER_URL, testEngine } from "../testing/test-database.ts";

const engine = testEngine();
const BREAK = "--> statement-breakpoint\n";

const inTransaction = [
  'ALTER TABLE "ai_usage" ALTER COLUMN "latency_ms" SET DATA TYPE bigint;',
  'ALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "notes" text;',
  'DO $$ BEGIN\n  ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_request_count_check" CHECK ("request_count" >= 0);\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;',
  'CREATE INDEX IF NOT EXISTS "ai_usage_latency_idx" ON "ai_usage" USING btree ("latency_ms");',
].join(BREAK);
const concurrent =
  '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_operation_idx" ON "ai_usage" USING btree ("operation");';

let scratch: ScratchMigrations;
let result: LiveReview;
let tags: string[];

beforeAll(async () => {
  scratch = scratchMigrations();
  tags = [scratch.add("lock-fixture", inTransaction), scratch.add("concurrent-fixture", concurrent)];
  const sources = await reviewSources(readMigrationFolder(scratch.dir), { displayFolder: "fixture" });
  const open =
    engine === "postgres"
      ? () => serverLiveDatabase(TEST_SERVER_URL)
      : () => embeddedLiveDatabase(openThrowawayDatabase);
  result = await liveReview(sources, { config: readReviewConfig(REVIEW_CONFIG_PATH), open, measure: tags });
}, 180_000);

afterAll(() => scratch?.remove());

function statement(tag: string, index: number): StatementEvidence {
  const found = result.evidence.find((m) => m.tag === tag)?.statements.find((s) => s.index === index);
  if (!found) throw new Error(`no evidence for ${tag} statement ${index}`);
  return found;
}

const locks = (s: StatementEvidence) => s.locks.map((l) => [l.relation.name, l.mode, l.heldSince ?? null]);

describe(`db:review --live lock evidence on ${engine}`, { timeout: 60_000 }, () => {
  it("measures only the migrations under review", () => {
    expect(result.evidence.map((m) => m.tag)).toEqual(tags);
  });

  it("ALTER COLUMN TYPE: ACCESS EXCLUSIVE, the table rewritten (new relfilenode), its rows read", () => {
    const s = statement(tags[0]!, 1);
    expect(s).toMatchObject({ ran: "transaction", locksBasis: "measured", scanCause: "rewrite" });
    expect(locks(s)).toEqual([["ai_usage", "AccessExclusiveLock", null]]);
    expect(s.storage).toEqual([
      {
        relation: { schema: "public", name: "ai_usage" },
        before: expect.any(String),
        after: expect.any(String),
        truncated: false,
      },
    ]);
    expect(s.storage[0]?.before).not.toBe(s.storage[0]?.after);
    expect(s.scans?.map((scan) => scan.relation.name)).toEqual(["ai_usage"]);
  });

  it("ADD COLUMN without a default: ACCESS EXCLUSIVE, no rewrite, no scan", () => {
    const s = statement(tags[0]!, 2);
    expect(locks(s)).toEqual([["ai_model", "AccessExclusiveLock", null]]);
    expect(s.storage).toEqual([]);
    expect(s.scans).toEqual([]);
  });

  it("ADD CONSTRAINT … CHECK: a validation scan under ACCESS EXCLUSIVE, no rewrite", () => {
    const s = statement(tags[0]!, 3);
    expect(locks(s)).toEqual([["ai_batch", "AccessExclusiveLock", null]]);
    expect(s.storage).toEqual([]);
    expect(s.scans).toEqual([{ relation: { schema: "public", name: "ai_batch" }, count: 1 }]);
    expect(s.scanCause).toBe("validation");
  });

  it("CREATE INDEX after the rewrite: the index build reads the table under the ACCESS EXCLUSIVE taken at line 1", () => {
    const s = statement(tags[0]!, 4);
    expect(locks(s)).toEqual([["ai_usage", "AccessExclusiveLock", 1]]);
    expect(s.scanCause).toBe("index build");
  });

  it("CREATE INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE, never ACCESS EXCLUSIVE, no rewrite", () => {
    const s = statement(tags[1]!, 1);
    expect(s.ran).toBe("none");
    expect(locks(s)).toEqual([["ai_usage", "ShareUpdateExclusiveLock", null]]);
    expect(s.storage).toEqual([]);
    // The server lets a second session read its locks while it waits; PGlite has one session.
    expect(s.locksBasis).toBe(engine === "postgres" ? "measured" : "inferred");
  });

  it("turns the rewrite into the only finding; without --database-url nothing is weighed", () => {
    expect(result.findings.map((f) => [f.file, f.line, f.rule])).toEqual([
      [`fixture/${tags[0]}.sql`, 1, "live-table-rewrite"],
    ]);
    expect(result.findings[0]?.message).toContain("pass --database-url to weigh it against the real table");
    expect(result.weights).toBeUndefined();
  });

  it("prints the report with what was measured and what inferred", () => {
    const report = formatLockReport(result.evidence, result.source).split("\n");
    const at = (prefix: string) => report.slice(report.findIndex((line) => line.startsWith(prefix)) + 1);
    expect(report[0]).toBe(
      `Lock evidence (--live, measured on ${result.source.database}; no --database-url: sizes not weighed):`,
    );
    expect(
      at(`fixture/${tags[0]}.sql:1 ALTER TABLE "ai_usage" ALTER COLUMN "latency_ms" SET DATA TYPE bigint;`).slice(0, 3),
    ).toEqual([
      '  locks: ACCESS EXCLUSIVE on "ai_usage" (measured: pg_locks of its session after the statement, before COMMIT)',
      expect.stringMatching(/^ {2}rewritten: "ai_usage" \(measured: relfilenode \d+ → \d+\)$/),
      expect.stringMatching(
        /^ {2}scanned: "ai_usage" ×\d+ \(measured: pg_stat_get_xact_numscans; inferred cause: rewrite\)$/,
      ),
    ]);
    expect(at(`fixture/${tags[1]}.sql:2 CREATE INDEX CONCURRENTLY`).slice(0, 3)).toEqual([
      "  ran outside a transaction (as the runner runs it)",
      expect.stringMatching(
        engine === "postgres"
          ? /^ {2}locks: SHARE UPDATE EXCLUSIVE on "ai_usage" \(measured: pg_locks of its session, read from a second session/
          : /^ {2}locks: SHARE UPDATE EXCLUSIVE on "ai_usage" \(inferred: from the statement's kind, per PostgreSQL's documentation/,
      ),
      "  scans: not countable outside a transaction",
    ]);
  });
});
