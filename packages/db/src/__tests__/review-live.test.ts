import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedLiveDatabase, liveReview, readMigrationFolder, readReviewConfig, reviewSources } from "@repo/migrator";
import { openThrowawayDatabase } from "../connection.ts";
import { MIGRATIONS_FOLDER, REVIEW_CONFIG_PATH } from "../project.ts";

const config = readReviewConfig(REVIEW_CONFIG_PATH);
const open = () => embeddedLiveDatabase(openThrowawayDatabase);
const folders: string[] = [];

/**
 * A copy of Trovella's migrations folder with one more migration, `NNNN_review-fixture`, appended
 * to the journal after however many the history has.
 */
function historyWith(sql: string): { folder: string; tag: string } {
  const folder = mkdtempSync(join(tmpdir(), "review-fixture-"));
  folders.push(folder);
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number; when: number }[] };
  const last = journal.entries.at(-1);
  const idx = (last?.idx ?? 0) + 1;
  const tag = `${String(idx).padStart(4, "0")}_review-fixture`;
  journal.entries.push({ ...last, idx, when: (last?.when ?? 0) + 1000, tag } as never);
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  writeFileSync(join(folder, `${tag}.sql`), sql);
  return { folder, tag };
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

// `--live` on an embedded database (PGlite with pgvector), whatever the test project.
describe("db:review --live", { timeout: 90_000 }, () => {
  it("passes Trovella's history but for 0008's measured rewrite of ai_usage: 0007 on run twice, RLS and four policies on every tenant table", async () => {
    const sources = await reviewSources(readMigrationFolder(MIGRATIONS_FOLDER));
    const { findings } = await liveReview(sources, { config, open });
    expect(findings.map((f) => [f.file.split("/").at(-1), f.line, f.rule])).toEqual([
      ["0008_add-correlation-id-and-embedding-count.sql", 2, "live-table-rewrite"],
    ]);
    expect(findings[0]?.message).toMatch(
      /^rewrote "ai_usage", a table that existed before the migration \(measured: relfilenode \d+ → \d+\) and holds ACCESS EXCLUSIVE \(measured: pg_locks\)/,
    );
  });

  it("names a migration that is not re-runnable and the statement that fails", async () => {
    const { folder, tag } = historyWith(
      'ALTER TABLE "ai_model" ADD COLUMN IF NOT EXISTS "notes" text;--> statement-breakpoint\nCREATE INDEX "ai_model_notes_idx" ON "ai_model" USING btree ("notes");',
    );
    const { findings } = await liveReview(
      await reviewSources(readMigrationFolder(folder), { displayFolder: "fixture" }),
      { config, open, measure: [] },
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      file: `fixture/${tag}.sql`,
      line: 2,
      rule: "live-not-rerunnable",
      severity: "error",
    });
    expect(findings[0]?.message).toContain(`${tag} is not re-runnable: statement 2 fails the second time`);
    expect(findings[0]?.message).toContain('"ai_model_notes_idx" already exists');
  });

  it("finds a tenant table left without RLS and policies in the catalog", async () => {
    const { folder } = historyWith(
      'CREATE TABLE IF NOT EXISTS "review_note" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);',
    );
    const { findings } = await liveReview(await reviewSources(readMigrationFolder(folder)), {
      config,
      open,
      measure: [],
    });
    expect(findings.map((f) => [f.rule, f.message])).toEqual([
      ["live-rls-coverage", 'tenant table "review_note" has row-level security disabled in the catalog'],
      [
        "live-rls-coverage",
        'tenant table "review_note" has no SELECT/INSERT/UPDATE/DELETE policy for "authenticated" in the catalog',
      ],
    ]);
  });
});
