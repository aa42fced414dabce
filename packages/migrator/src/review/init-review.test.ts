import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBaseline, readReviewConfig } from "./review-files.ts";
import { initReview, ReviewInitError } from "./init-review.ts";
import { runReview } from "./run-review.ts";
import { CORPUS_ROOT, reviewCorpus } from "./testing/corpus-histories.ts";

const root = mkdtempSync(join(tmpdir(), "init-review-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh project folder with a copy of a corpus history in `drizzle/`. */
function project(folder: string) {
  const dir = join(root, String(counter++));
  cpSync(join(CORPUS_ROOT, folder), join(dir, "drizzle"), { recursive: true });
  return {
    folder: join(dir, "drizzle"),
    configPath: join(dir, "review.config.json"),
    baselinePath: join(dir, "review-baseline.json"),
  };
}

describe("initReview (db:review --init)", () => {
  it("writes a config without conventions and a baseline that accepts every finding: the review then passes", async () => {
    const paths = project("Mail-0__Zero");
    const everyFinding = (await reviewCorpus("Mail-0__Zero")).length;
    const result = await initReview({ ...paths, settings: {} });
    expect(JSON.parse(readFileSync(paths.configPath, "utf8"))).toEqual({ rules: {} });
    expect(result.migrations).toBe(26);
    expect(everyFinding).toBeGreaterThan(0);
    expect(result.accepted).toHaveLength(everyFinding);
    expect(readBaseline(paths.baselinePath).findings).toHaveLength(everyFinding);
    const run = await runReview({
      folder: paths.folder,
      config: readReviewConfig(paths.configPath),
      baseline: readBaseline(paths.baselinePath),
    });
    expect(run).toMatchObject({ findings: [], stale: [] });
    expect(run.accepted).toHaveLength(everyFinding);
  });

  it("writes the conventions it is given, and the baseline judged by them", async () => {
    const paths = project("miurla__morphic");
    const settings = { tenantColumn: "user_id", role: "authenticated", guardBaseline: "0015" };
    const result = await initReview({ ...paths, settings });
    expect(readReviewConfig(paths.configPath)).toEqual({ ...settings, rules: {} });
    // morphic's tables with user_id: two lack ENABLE ROW LEVEL SECURITY in their migration.
    expect(result.accepted.filter((f) => f.rule === "rls-not-enabled")).toHaveLength(2);
    const plain = await initReview({ ...project("miurla__morphic"), settings: {} });
    expect(plain.accepted.filter((f) => f.rule.startsWith("rls-not"))).toEqual([]);
  });

  it("lists the migrations that manage their own transactions, with their lines", async () => {
    const result = await initReview({ ...project("giselles-ai__giselle"), settings: {} });
    expect(result.selfManaged).toEqual([
      { tag: "0045_brown_spitfire", lines: [1, 47] },
      { tag: "0047_hot_chamber", lines: [1, 15] },
    ]);
  });

  it("refuses to replace an existing config or baseline without force, and changes neither", async () => {
    const paths = project("miurla__morphic");
    writeFileSync(paths.baselinePath, '{"version":1,"findings":[]}\n');
    await expect(initReview({ ...paths, settings: {} })).rejects.toThrow(ReviewInitError);
    await expect(initReview({ ...paths, settings: {} })).rejects.toThrow(
      `${paths.baselinePath} already exists: db:review --init writes a new review config and baseline`,
    );
    expect(existsSync(paths.configPath)).toBe(false);
    expect(readFileSync(paths.baselinePath, "utf8")).toBe('{"version":1,"findings":[]}\n');
    await initReview({ ...paths, settings: {}, force: true });
    expect(readBaseline(paths.baselinePath).findings).toHaveLength((await reviewCorpus("miurla__morphic")).length);
  });

  it("writes nothing for settings the config would refuse (a tenant column without its role)", async () => {
    const paths = project("miurla__morphic");
    await expect(initReview({ ...paths, settings: { tenantColumn: "user_id" } })).rejects.toThrow(
      '"tenantColumn" and "role" go together',
    );
    expect(existsSync(paths.configPath) || existsSync(paths.baselinePath)).toBe(false);
  });

  it("points a project without a review config at --init", () => {
    let error: unknown;
    try {
      readReviewConfig(join(root, "missing", "review.config.json"));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "review-config-invalid", fix: expect.stringContaining("db:review --init") });
  });
});
