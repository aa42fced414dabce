/**
 * `db:review` of Trovella's history converted by `drizzle-kit up`: the statements it compares the
 * files with come from Drizzle Kit 1.0's differ (the project's), and the findings are those of the
 * history as committed, file for file. Two things a team changes with the layout, or the findings
 * differ: the review config's `guardBaseline` is a tag prefix (`0007` becomes the 1.0 name's time),
 * and the baseline of accepted findings names the old files (so this compares without it).
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Finding, readMigrationFolder, readReviewConfig, reviewSources, runReview } from "@repo/migrator";
import { MIGRATIONS_FOLDER } from "@repo/db/testing";
import { legacyAndUpgraded } from "./upgraded-history.ts";

const REVIEW_CONFIG = fileURLToPath(new URL("../../db/review.config.json", import.meta.url));

let histories: ReturnType<typeof legacyAndUpgraded>;
beforeAll(() => {
  histories = legacyAndUpgraded(MIGRATIONS_FOLDER);
});
afterAll(() => histories?.remove());

const comparable = (findings: Finding[]) =>
  findings.map(({ file, line, column, rule, severity, message }) => ({ file, line, column, rule, severity, message }));

describe("db:review of a converted history", () => {
  it("compares each file with the statements Drizzle Kit 1.0 generates from its snapshots", async () => {
    const folder = readMigrationFolder(histories.upgraded.migrations);
    const sources = await reviewSources(folder, { withGenerated: true });
    expect(sources.map((s) => s.generatedError)).toEqual(sources.map(() => undefined));
    const document = sources.find((s) => s.tag.endsWith("_add-document-chunk-table"));
    expect(document?.generated?.[0]).toBe(
      `CREATE TYPE "document_source_table" AS ENUM('research_artifact', 'research_output', 'extraction_result');`,
    );
  });

  it("finds what it finds on the history as committed, with the guard baseline renamed", async () => {
    const config = readReviewConfig(REVIEW_CONFIG);
    const migrations = readMigrationFolder(histories.legacy.migrations).migrations;
    const baseline = config.guardBaseline;
    if (!baseline) throw new Error("Trovella's review config names a guard baseline");
    const guard = migrations.find((m) => m.tag.startsWith(baseline));
    expect(guard).toBeDefined();
    const legacy = await runReview({ folder: histories.legacy.migrations, displayFolder: "migrations", config });
    // Run from anywhere: the review diffs with the Drizzle Kit of the folder's own project.
    const upgraded = await runReview({
      folder: histories.upgraded.migrations,
      displayFolder: "migrations",
      config: { ...config, guardBaseline: guard?.name.slice(0, 14) ?? "" },
    });
    const renamed = comparable(legacy.findings).map((f) => {
      const migration = migrations.find((m) => f.file === `migrations/${m.tag}.sql`);
      return { ...f, file: `migrations/${migration?.name}/migration.sql` };
    });
    expect(comparable(upgraded.findings)).toEqual(renamed);
    const tally: Record<string, number> = {};
    for (const f of renamed) tally[f.rule] = (tally[f.rule] ?? 0) + 1;
    // 0004–0007's keys by id, which 0015 paired with organization_id, are among them (the baseline accepts them).
    expect(tally).toEqual({
      "dynamic-sql": 1,
      "cross-tenant-foreign-key": 16,
      "volatile-default-rewrite": 1,
      "non-concurrent-index": 1,
    });
  });
});
