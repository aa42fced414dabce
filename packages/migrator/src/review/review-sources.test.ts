import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { reviewSources } from "./review-sources.ts";
import { CORPUS_ROOT, reviewCorpus } from "./testing/corpus-histories.ts";

const sourcesOf = async (folder: string) =>
  reviewSources(readMigrationFolder(join(CORPUS_ROOT, folder)), { withGenerated: true });

describe("reviewSources on real histories", () => {
  it("diffs the snapshots of timestamp-prefixed tags (meta/<timestamp>_snapshot.json, scorebrawl)", async () => {
    const sources = await sourcesOf("thor-coding-cowboys__scorebrawl");
    const timestamped = sources.filter((source) => /^\d{14}_/.test(source.tag));
    expect(timestamped).toHaveLength(9);
    for (const source of timestamped) expect(source.generated, source.tag).toBeDefined();
    expect(timestamped[0]?.generated).toContain('ALTER TABLE "session" ADD COLUMN "token" text;');
  });

  it("leaves a migration whose snapshot is a stub (no tables) without generated statements and without an error", async () => {
    const sources = await sourcesOf("Dokploy__dokploy");
    expect(sources.filter((source) => source.generated !== undefined || source.generatedError !== undefined)).toEqual(
      [],
    );
  });

  it("records why the differ gave nothing, and the review reports it for that migration", async () => {
    const sources = await sourcesOf("Mail-0__Zero");
    expect(sources.filter((source) => source.generatedError).map((source) => source.tag)).toEqual([
      "0002_flimsy_nightshade",
      "0003_purple_kylun",
      "0005_mature_lady_deathstrike",
      "0006_small_unicorn",
    ]);
    const findings = await reviewCorpus("Mail-0__Zero", { only: ["0006_small_unicorn"], rule: "snapshot-diff-failed" });
    expect(findings).toEqual([
      expect.objectContaining({
        file: "Mail-0__Zero/0006_small_unicorn.sql",
        line: 1,
        severity: "warning",
        message:
          'manual-addition-header could not check this migration: Drizzle Kit cannot tell a rename from a drop and a create without asking (columns of table "mail0_session": "connectionId" would go and "connection_id" would come)',
      }),
    ]);
  });
});
