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

  it("reports 0001's GRANT built at run time, 0008's volatile default and non-concurrent index, and the 16 keys 0015 paired with organization_id, without the baseline, and nothing else", async () => {
    const run = await runReview({ folder: MIGRATIONS_FOLDER, displayFolder: "migrations", config });
    const crossTenant = run.findings.filter((f) => f.rule === "cross-tenant-foreign-key");
    expect(
      crossTenant.map((f) => `${f.file.replace("migrations/", "").slice(0, 4)}:${f.line}:${f.column} ${f.severity}`),
    ).toEqual([
      "0004:67:34 error",
      "0004:68:34 error",
      "0004:71:29 error",
      "0004:73:37 error",
      "0004:74:37 error",
      "0005:21:35 error",
      "0005:22:35 error",
      "0006:60:35 error",
      "0006:67:28 error",
      "0006:68:28 error",
      "0007:81:39 error",
      "0007:85:39 error",
      "0007:89:39 error",
      "0007:97:39 error",
      "0007:101:39 error",
      "0007:113:37 error",
    ]);
    expect(
      run.findings
        .filter((f) => f.rule !== "cross-tenant-foreign-key")
        .map(({ file, line, column, rule, severity }) => ({ file, line, column, rule, severity })),
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
    expect([...new Set(run.findings.map((f) => `${f.file.split("/").at(-1)?.slice(0, 4)} ${f.rule}`))]).toEqual([
      "0006 cross-tenant-foreign-key",
      "0007 cross-tenant-foreign-key",
    ]);
  });

  it("rejects a tag that is not in the journal, saying so", async () => {
    await expect(runReview({ folder: MIGRATIONS_FOLDER, config, tags: ["0042"] })).rejects.toThrow(
      '"0042" matches no migration in the journal',
    );
  });
});
