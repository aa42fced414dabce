import { describe, expect, it } from "vitest";
import { readBaseline, readMigrationFolder, readReviewConfig, runReview } from "@repo/migrator";
import { MIGRATIONS_FOLDER, REVIEW_BASELINE_PATH, REVIEW_CONFIG_PATH } from "../project.ts";

// `pnpm db:review` on Trovella's own history, with the committed config and baseline.
describe("db:review on Trovella's history", () => {
  const config = readReviewConfig(REVIEW_CONFIG_PATH);

  it("passes with the committed baseline", async () => {
    const run = await runReview({
      folder: MIGRATIONS_FOLDER,
      displayFolder: "migrations",
      config,
      baseline: readBaseline(REVIEW_BASELINE_PATH),
    });
    expect(run.findings).toEqual([]);
    expect(run.stale).toEqual([]);
    expect(run.reviewed).toHaveLength(readMigrationFolder(MIGRATIONS_FOLDER).migrations.length);
  });

  it("reports 0001's GRANT built at run time, 0008's volatile default and non-concurrent index without the baseline, and nothing else", async () => {
    const run = await runReview({ folder: MIGRATIONS_FOLDER, displayFolder: "migrations", config });
    expect(
      run.findings.map(({ file, line, column, rule, severity }) => ({ file, line, column, rule, severity })),
    ).toEqual([
      { file: "migrations/0001_setup_role_grants.sql", line: 15, column: 1, rule: "dynamic-sql", severity: "error" },
      {
        file: "migrations/0008_add-correlation-id-and-embedding-count.sql",
        line: 3,
        column: 9,
        rule: "volatile-default-rewrite",
        severity: "error",
      },
      {
        file: "migrations/0008_add-correlation-id-and-embedding-count.sql",
        line: 5,
        column: 1,
        rule: "non-concurrent-index",
        severity: "warning",
      },
    ]);
  });

  it("reviews only the tags asked for, by number", async () => {
    const run = await runReview({ folder: MIGRATIONS_FOLDER, config, tags: ["0006", "0007"] });
    expect(run.reviewed).toEqual(["0006_milky_dreadnoughts", "0007_tro-101-research-improvements"]);
    expect(run.findings).toEqual([]);
  });

  it("rejects a tag that is not in the journal, saying so", async () => {
    await expect(runReview({ folder: MIGRATIONS_FOLDER, config, tags: ["0042"] })).rejects.toThrow(
      '"0042" matches no migration in the journal',
    );
  });
});
