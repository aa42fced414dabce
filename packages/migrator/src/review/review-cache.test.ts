import { createHash } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ReviewConfig } from "./config.ts";
import { ReviewCache, sourceFingerprint, toolkitIdentity } from "./review-cache.ts";
import { ReviewTimings } from "./review-timings.ts";
import type { Snapshot } from "../snapshot/snapshot.ts";
import { runReview } from "./run-review.ts";
import { CORPUS_ROOT } from "./testing/corpus-histories.ts";
import { writeCorpus } from "./testing/corpus.ts";

const CONFIG: ReviewConfig = { tenantColumn: "organization_id", role: "authenticated", rules: {} };

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `review-cache-${name}-`));
  temporary.push(dir);
  return dir;
}

/**
 * A copy of a committed real history (SQL and complete snapshots), to edit. Its files are dated an
 * hour ago, as a checkout leaves them: a file modified just before a run is hashed again next run.
 */
function copyOfHistory(folder: string): string {
  const dir = join(tempDir("history"), "migrations");
  cpSync(join(CORPUS_ROOT, folder), dir, { recursive: true });
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) settle(join(dir, file));
  return dir;
}

const AN_HOUR_AGO = new Date(Date.now() - 60 * 60 * 1000);
const settle = (path: string) => utimesSync(path, AN_HOUR_AGO, AN_HOUR_AGO);

/** A generated corpus of `count` tenant-table migrations. */
function corpus(count: number): { dir: string; files: string[] } {
  const dir = join(tempDir("corpus"), "migrations");
  return { dir, files: writeCorpus(dir, count) };
}

/** One review of `folder` as db:review runs it; the findings and what the run counted. */
async function review(folder: string, cache?: ReviewCache, config: ReviewConfig = CONFIG) {
  const run = await runReview({ folder, displayFolder: "migrations", config, ...(cache ? { cache } : {}) });
  return { findings: run.all, counts: run.timings.toJSON().counts, stats: cache?.stats, warnings: run.folderWarnings };
}

/** The findings of a run without a cache: what every cached run must equal. */
async function cold(folder: string, config: ReviewConfig = CONFIG) {
  return (await review(folder, undefined, config)).findings;
}

describe("the review cache", () => {
  it("gives a cold run's findings on a real history, with Drizzle Kit's statements and its refusals, and then parses nothing", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    const expected = await cold(folder);
    expect(expected.map((f) => f.rule)).toContain("snapshot-diff-failed");
    const first = await review(folder, new ReviewCache(dir));
    expect(first.findings).toEqual(expected);
    expect(first.counts["snapshot diffs"]).toBeGreaterThan(20);
    const second = await review(folder, new ReviewCache(dir));
    expect(JSON.stringify(second.findings)).toBe(JSON.stringify(expected));
    // No "snapshots hashed": each is known unchanged by its stat, and so are their warnings.
    expect(second.counts).toEqual({ migrations: 26, "findings from cache": 26 });
  });

  it("reads again a snapshot whose bytes changed, however its times look, and warns about it as a run without a cache does", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    const first = await review(folder, new ReviewCache(dir));
    expect(first.counts["snapshots hashed"]).toBe(26);
    expect(first.warnings).toEqual((await review(folder)).warnings);
    // Damaged in place, same size, its modification time put back: only its change time moved.
    const snapshot = join(folder, "meta", "0010_snapshot.json");
    const text = readFileSync(snapshot, "utf8");
    writeFileSync(snapshot, `#${text.slice(1)}`);
    settle(snapshot);
    const second = await review(folder, new ReviewCache(dir));
    expect(second.counts["snapshots hashed"]).toBe(1);
    expect(second.warnings).toEqual((await review(folder)).warnings);
    expect(second.warnings).toContainEqual(expect.objectContaining({ kind: "snapshot-malformed", path: snapshot }));
    expect(JSON.stringify(second.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("keeps no snapshot warnings parsed from bytes other than the hashed ones: a snapshot saved during a run, then put back, is warned about as without a cache", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    const snapshot = join(folder, "meta", "0010_snapshot.json");
    const text = readFileSync(snapshot, "utf8");
    await review(folder, new ReviewCache(dir));
    // A checkout rewrites 0010 (same bytes, another file: hashed again, its diffs cached) and changes
    // 0020 (the warnings are computed again) ...
    rmSync(snapshot);
    writeFileSync(snapshot, text);
    settle(snapshot);
    const other = join(folder, "meta", "0020_snapshot.json");
    writeFileSync(other, `${readFileSync(other, "utf8")}\n`);
    settle(other);
    // ... and an editor saves 0010 while the review runs, after it was hashed, before it is parsed.
    class EditedDuringRun extends ReviewTimings {
      override time<T>(phase: string, work: () => T): T {
        if (phase === "snapshot warnings") writeFileSync(snapshot, `#${text.slice(1)}`);
        return super.time(phase, work);
      }
    }
    await runReview({ folder, config: CONFIG, cache: new ReviewCache(dir), timings: new EditedDuringRun() });
    // Put back (undo, git checkout): the bytes first hashed.
    rmSync(snapshot);
    writeFileSync(snapshot, text);
    settle(snapshot);
    const expected = (await review(folder)).warnings;
    expect(expected.filter((w) => w.kind === "snapshot-malformed")).toEqual([]);
    expect((await review(folder, new ReviewCache(dir))).warnings).toEqual(expected);
  });

  it("keeps no findings from Drizzle Kit's reading of a snapshot saved after it was hashed: put back, the next run finds what a run without a cache finds", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    const snapshot = join(folder, "meta", "0010_snapshot.json");
    await review(folder, new ReviewCache(dir));
    // A checkout changes 0010 (its pairs are diffed again) ...
    const text = `${readFileSync(snapshot, "utf8")}\n`;
    writeFileSync(snapshot, text);
    settle(snapshot);
    // ... and an editor saves it after the run hashed it, before Drizzle Kit's differ reads it: the
    // column 0010 drops is back (0010's statement no longer generated, 0011 would drop it).
    const edited = JSON.parse(text) as Snapshot;
    const before = JSON.parse(readFileSync(join(folder, "meta", "0009_snapshot.json"), "utf8")) as Snapshot;
    const tables = (s: Snapshot) => s["tables"] as Record<string, unknown>;
    tables(edited)["public.mail0_user"] = tables(before)["public.mail0_user"];
    class EditedDuringRun extends ReviewTimings {
      #done = false;
      override time<T>(phase: string, work: () => T): T {
        const result = super.time(phase, work);
        if (phase === "cache lookup" && !this.#done) {
          this.#done = true;
          writeFileSync(snapshot, JSON.stringify(edited, null, 2));
        }
        return result;
      }
    }
    const cache = new ReviewCache(dir);
    const during = await runReview({
      folder,
      displayFolder: "migrations",
      config: CONFIG,
      cache,
      timings: new EditedDuringRun(),
    });
    // Put back (undo, git checkout): the bytes the run hashed.
    rmSync(snapshot);
    writeFileSync(snapshot, text);
    settle(snapshot);
    const expected = JSON.stringify(await cold(folder));
    expect(JSON.stringify(during.all)).not.toBe(expected);
    expect(JSON.stringify((await review(folder, new ReviewCache(dir))).findings)).toBe(expected);
  });

  it("keeps no Drizzle Kit statements from a run that read a snapshot as missing which appeared meanwhile", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    // A hand-written statement in 0011 that only the comparison with Drizzle Kit's statements reports.
    appendFileSync(
      join(folder, "0011_huge_newton_destine.sql"),
      '\n--> statement-breakpoint\nALTER TABLE "mail0_user" ADD COLUMN "hand_written" text;',
    );
    const snapshot = join(folder, "meta", "0010_snapshot.json");
    const text = readFileSync(snapshot, "utf8");
    rmSync(snapshot);
    class AppearsDuringRun extends ReviewTimings {
      override time<T>(phase: string, work: () => T): T {
        const result = super.time(phase, work);
        if (phase === "read folder") {
          writeFileSync(snapshot, text);
          settle(snapshot);
        }
        return result;
      }
    }
    await runReview({
      folder,
      displayFolder: "migrations",
      config: CONFIG,
      cache: new ReviewCache(dir),
      timings: new AppearsDuringRun(),
    });
    const expected = await cold(folder);
    expect(expected.map((f) => f.rule)).toContain("manual-addition-header");
    expect(JSON.stringify((await review(folder, new ReviewCache(dir))).findings)).toBe(JSON.stringify(expected));
  });

  it("keeps no warnings that skipped a snapshot which appeared after the folder was read", async () => {
    const folder = copyOfHistory("Mail-0__Zero");
    const dir = tempDir("cache");
    const snapshot = join(folder, "meta", "0010_snapshot.json");
    const broken = `#${readFileSync(snapshot, "utf8").slice(1)}`;
    rmSync(snapshot);
    class AppearsDuringRun extends ReviewTimings {
      override time<T>(phase: string, work: () => T): T {
        const result = super.time(phase, work);
        if (phase === "read folder") {
          writeFileSync(snapshot, broken);
          settle(snapshot);
        }
        return result;
      }
    }
    const cache = new ReviewCache(dir);
    const during = await runReview({ folder, config: CONFIG, cache, timings: new AppearsDuringRun() });
    expect(during.folderWarnings).toContainEqual(
      expect.objectContaining({ kind: "snapshot-missing", tag: "0010_dry_hemingway" }),
    );
    const expected = (await review(folder)).warnings;
    expect(expected).toContainEqual(expect.objectContaining({ kind: "snapshot-malformed", path: snapshot }));
    expect((await review(folder, new ReviewCache(dir))).warnings).toEqual(expected);
  });

  it("after an edit of the last migration parses that file alone, from the state cached before it, and finds what a cold run finds", async () => {
    const { dir: folder, files } = corpus(40);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    appendFileSync(files.at(-1) ?? "", '--> statement-breakpoint\nALTER TABLE "table_37" DROP COLUMN "details";');
    const warm = await review(folder, new ReviewCache(dir));
    expect(warm.counts).toEqual({ migrations: 40, "findings from cache": 39, parsed: 1, "reviewed with rules": 1 });
    expect(warm.findings.map((f) => f.rule)).toContain("drop-statement");
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("after appending a migration reviews that one alone, from the state cached after the last", async () => {
    const { dir: folder } = corpus(30);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Record<string, unknown>[] };
    journal.entries.push({ idx: 30, version: "7", when: 1_800_000_000_000, tag: "0030_added", breakpoints: true });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(join(folder, "0030_added.sql"), 'ALTER TABLE "table_28" ALTER COLUMN "title" SET NOT NULL;');
    const warm = await review(folder, new ReviewCache(dir));
    expect(warm.counts).toEqual({ migrations: 31, "findings from cache": 30, parsed: 1, "reviewed with rules": 1 });
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("replays a statement too deep for the rules' walks as a review applies it: a cached run finds what a cold one finds", async () => {
    const { dir: folder } = corpus(30);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Record<string, unknown>[] };
    const sum = Array.from({ length: 6000 }, () => "1").join(" + ");
    const added = [
      ["0030_deep", `CREATE TABLE "deep" AS SELECT (${sum}) AS "x";`],
      ["0031_index", 'CREATE INDEX "deep_x_idx" ON "deep" ("x");'],
      ["0032_later", "SELECT 4;"],
    ];
    for (const [i, [tag, sql]] of added.entries()) {
      journal.entries.push({ idx: 30 + i, version: "7", when: 1_800_000_000_000 + i, tag, breakpoints: true });
      writeFileSync(join(folder, `${tag}.sql`), sql ?? "");
    }
    writeFileSync(journalPath, JSON.stringify(journal));
    await review(folder, new ReviewCache(dir));
    // The edit makes the next run start from the state after 0029 and replay 0030 without its rules.
    writeFileSync(join(folder, "0031_index.sql"), 'CREATE INDEX "deep_x_idx" ON "deep" ("x");\nSELECT 2;');
    const expected = await cold(folder);
    expect(expected.filter((f) => f.file.endsWith("0030_deep.sql")).map((f) => f.rule)).toEqual(["parse-error"]);
    // The table the too-deep statement made is in the schema: its index is one on an existing table.
    expect(expected.filter((f) => f.file.endsWith("0031_index.sql")).map((f) => f.rule)).toContain(
      "non-concurrent-index",
    );
    const warm = await review(folder, new ReviewCache(dir));
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(expected));
  });

  it("after an edit in the middle re-reviews the migrations after it (their schema changed) from cached parse trees", async () => {
    const { dir: folder, files } = corpus(40);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    // Renames the table the next migration alters: that migration's findings change (its unchanged
    // text now meets another schema), so they cannot come from the cache.
    const before = await cold(folder);
    appendFileSync(files[19] ?? "", '--> statement-breakpoint\nALTER TABLE "table_19" RENAME TO "table_19_old";');
    const warm = await review(folder, new ReviewCache(dir));
    expect(warm.counts).toMatchObject({
      "findings from cache": 19,
      parsed: 1,
      "parse trees from cache": 39,
      "replayed without rules": 19,
      "reviewed with rules": 21,
    });
    const expected = await cold(folder);
    const of20 = (findings: { file: string; rule: string }[]) =>
      findings.filter((f) => f.file.includes("0020_")).map((f) => f.rule);
    expect(of20(expected)).not.toEqual(of20(before));
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(expected));
  });

  it("parses again a migration whose text is unchanged when the body of an earlier migration's routine it calls changed: its findings are a cold run's", async () => {
    const { dir: folder, files } = corpus(8);
    const dir = tempDir("cache");
    const create = (body: string) =>
      `--> statement-breakpoint\nCREATE OR REPLACE FUNCTION "cleanup"() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ${body} END $$;`;
    const before = readFileSync(files[5] ?? "", "utf8");
    writeFileSync(files[5] ?? "", before + create("PERFORM 1;"));
    appendFileSync(files[6] ?? "", '--> statement-breakpoint\nSELECT "cleanup"();');
    const first = await review(folder, new ReviewCache(dir));
    expect(first.findings.filter((f) => f.file.includes("0006_")).map((f) => f.rule)).not.toContain("drop-statement");
    writeFileSync(files[5] ?? "", before + create('DROP TABLE "table_3";'));
    const warm = await review(folder, new ReviewCache(dir));
    const of6 = warm.findings.filter((f) => f.file.includes("0006_") && f.rule === "drop-statement");
    const createdAt = before.split("\n").length + 1;
    expect(of6.map((f) => f.message)).toEqual([
      `DROP TABLE "table_3" deletes it for good (in the body of "cleanup" from migrations/0005_corpus_5.sql:${createdAt}, which this statement runs)`,
    ]);
    expect(warm.counts).toMatchObject({ parsed: 2, "parse trees from cache": 6 });
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("parses again a migration whose text is unchanged when an earlier migration now creates a routine it calls", async () => {
    const { dir: folder, files } = corpus(8);
    const dir = tempDir("cache");
    appendFileSync(files[6] ?? "", '--> statement-breakpoint\nSELECT "cleanup"();');
    await review(folder, new ReviewCache(dir));
    appendFileSync(
      files[2] ?? "",
      '--> statement-breakpoint\nCREATE FUNCTION "cleanup"() RETURNS void LANGUAGE sql AS $$ DROP TABLE "table_1" $$;',
    );
    const warm = await review(folder, new ReviewCache(dir));
    expect(warm.findings.filter((f) => f.file.includes("0006_")).map((f) => f.rule)).toContain("drop-statement");
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("keeps the states of two histories apart when they differ only before the state's migration", async () => {
    const a = corpus(21);
    const b = corpus(21);
    // History b takes, early on, the index name history a's last migration creates.
    appendFileSync(
      b.files[10] ?? "",
      '--> statement-breakpoint\nCREATE INDEX "table_19_note_20_idx" ON "table_10" ("id");',
    );
    const dir = tempDir("cache");
    await review(a.dir, new ReviewCache(dir));
    expect((await review(b.dir, new ReviewCache(dir))).findings.map((f) => f.rule)).toContain("index-name-collision");
    appendFileSync(a.files.at(-1) ?? "", "\n");
    const warm = await review(a.dir, new ReviewCache(dir));
    expect(warm.counts).toMatchObject({ "findings from cache": 20, "reviewed with rules": 1 });
    expect(warm.counts["replayed without rules"]).toBeUndefined();
    expect(JSON.stringify(warm.findings)).toBe(JSON.stringify(await cold(a.dir)));
  });

  it("keys findings by the config: another config reviews again, from cached parse trees", async () => {
    const { dir: folder } = corpus(12);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    const strict: ReviewConfig = { ...CONFIG, rules: { "non-concurrent-index": "off", "fk-on-delete": "warning" } };
    const other = await review(folder, new ReviewCache(dir), strict);
    expect(other.counts).toMatchObject({ "findings from cache": 0, "parse trees from cache": 12 });
    expect(other.counts["parsed"]).toBeUndefined();
    expect(JSON.stringify(other.findings)).toBe(JSON.stringify(await cold(folder, strict)));
  });

  it("is not used by another toolkit version or rule set", async () => {
    const { dir: folder } = corpus(8);
    const dir = tempDir("cache");
    const identity = toolkitIdentity();
    await review(folder, new ReviewCache(dir, identity));
    expect((await review(folder, new ReviewCache(dir, identity))).counts["findings from cache"]).toBe(8);
    for (const changed of [
      { ...identity, version: `${identity.version}-next` },
      { ...identity, rules: identity.rules.slice(1) },
      { ...identity, sources: sourceFingerprint(tempDir("empty")) },
      { ...identity, parser: "0.0.0" },
    ]) {
      const run = await review(folder, new ReviewCache(dir, changed));
      expect(run.counts).toMatchObject({ "findings from cache": 0, parsed: 8 });
      expect(run.stats?.hits).toEqual({ run: 0, state: 0, parse: 0, files: 0 });
    }
  });

  it("fingerprints the toolkit's sources by their bytes, tests aside: a rule edited in place changes it", () => {
    const dir = join(tempDir("sources"), "src");
    cpSync(join(CORPUS_ROOT, "..", "..", "src", "review", "rules"), dir, { recursive: true });
    const before = sourceFingerprint(dir);
    appendFileSync(join(dir, "fk-on-delete.test.ts"), "\n// a test changed\n");
    expect(sourceFingerprint(dir)).toBe(before);
    appendFileSync(join(dir, "fk-on-delete.ts"), "\n");
    expect(sourceFingerprint(dir)).not.toBe(before);
  });

  it("fingerprints the files a run-built bundle was built from, not a rule saved since the run started", () => {
    const dir = join(tempDir("sources"), "src");
    cpSync(join(CORPUS_ROOT, "..", "..", "src", "review", "rules"), dir, { recursive: true });
    const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
    const built = Object.fromEntries(readdirSync(dir).map((name) => [join(dir, name), sha(join(dir, name))]));
    const before = sourceFingerprint(dir, built);
    // Saved while the command runs the bundle built before: the code that runs is unchanged.
    appendFileSync(join(dir, "fk-on-delete.ts"), "\n");
    expect(sourceFingerprint(dir, built)).toBe(before);
    expect(sourceFingerprint(dir)).not.toBe(sourceFingerprint(dir, built));
    // A bundle built from other bytes of a rule is another toolkit; files outside it and tests are not.
    expect(sourceFingerprint(dir, { ...built, [join(dir, "fk-on-delete.ts")]: "other bytes" })).not.toBe(before);
    expect(sourceFingerprint(dir, { ...built, [join(dir, "..", "project.ts")]: "x" })).toBe(before);
    expect(sourceFingerprint(dir, { ...built, [join(dir, "new.test.ts")]: "x" })).toBe(before);
  });

  /** Rewrites every entry of `kind` in `dir`; fails when the damage changed nothing. */
  function damage(dir: string, kind: string, how: (text: string) => string): void {
    for (const name of readdirSync(join(dir, kind))) {
      const path = join(dir, kind, name);
      const text = readFileSync(path, "utf8");
      expect(how(text)).not.toBe(text);
      writeFileSync(path, how(text));
    }
  }

  // Valid JSON that says something else (a table's name): only the checksum can tell.
  const renamed = (text: string) => text.replace('"table_', '"tablf_');
  const cut = (text: string) => text.slice(0, text.length / 2);
  const garbage = () => "not a cache entry";

  // A damaged record means reviewing everything again; a damaged state, replaying the history to it.
  const recomputed = { run: { "reviewed with rules": 16 }, state: { "replayed without rules": 15 } };

  it.each([
    ["the record of findings", "run", renamed],
    ["the state before the last migration", "state", renamed],
    ["cut short", "run", cut],
    ["garbage", "state", garbage],
  ] as const)(
    "recomputes a damaged entry (%s, %s) after an edit of the last migration, as a cold run",
    async (_, kind, how) => {
      const { dir: folder, files } = corpus(16);
      const dir = tempDir("cache");
      await review(folder, new ReviewCache(dir));
      damage(dir, kind, how);
      appendFileSync(files.at(-1) ?? "", '--> statement-breakpoint\nALTER TABLE "table_13" DROP COLUMN "title";');
      const run = await review(folder, new ReviewCache(dir));
      expect(run.stats?.corrupt).toBeGreaterThan(0);
      expect(run.counts).toMatchObject(recomputed[kind]);
      expect(JSON.stringify(run.findings)).toBe(JSON.stringify(await cold(folder)));
      expect((await review(folder, new ReviewCache(dir))).counts["findings from cache"]).toBe(16);
    },
  );

  it("parses again a migration whose cached parse tree is damaged, after an edit in the middle", async () => {
    const { dir: folder, files } = corpus(16);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    damage(dir, "parse", renamed);
    appendFileSync(files[8] ?? "", '--> statement-breakpoint\nALTER TABLE "table_7" DROP COLUMN "title";');
    const run = await review(folder, new ReviewCache(dir));
    expect(run.stats?.corrupt).toBe(1);
    expect(run.counts).toMatchObject({ parsed: 16, "findings from cache": 8 });
    expect(JSON.stringify(run.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("reviews without the cache when an entry has a valid checksum but another shape (written by hand)", async () => {
    const { dir: folder } = corpus(6);
    const dir = tempDir("cache");
    await review(folder, new ReviewCache(dir));
    // A record of another shape, under a checksum made for it: only its use can tell.
    damage(dir, "run", (text) => {
      const [version, key] = text.slice(0, text.indexOf("\n")).split(" ");
      const body = JSON.stringify({ migrations: [], differ: 5 });
      return `${version} ${key} ${createHash("sha256").update(body).digest("hex")}\n${body}`;
    });
    const run = await review(folder, new ReviewCache(dir));
    expect(run.stats?.corrupt).toBe(1);
    expect(JSON.stringify(run.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("reviews everything when the cache cannot be written, and says why", async () => {
    const { dir: folder } = corpus(6);
    const blocked = join(tempDir("blocked"), "file");
    writeFileSync(blocked, "a file where the cache folder would be");
    const cache = new ReviewCache(join(blocked, "review"));
    const run = await review(folder, cache);
    expect(cache.stats.writeError).toMatch(/file\/review/);
    expect(JSON.stringify(run.findings)).toBe(JSON.stringify(await cold(folder)));
  });

  it("removes entries untouched for a month, once a day", async () => {
    const { dir: folder } = corpus(4);
    const dir = tempDir("cache");
    const cache = new ReviewCache(dir);
    await review(folder, cache);
    const entries = () => ["run", "state", "parse", "files"].flatMap((kind) => readdirSync(join(dir, kind)));
    expect(entries().length).toBeGreaterThan(0);
    const later = Date.now() + 31 * 24 * 60 * 60 * 1000;
    cache.prune(later - 2 * 24 * 60 * 60 * 1000);
    expect(entries().length).toBeGreaterThan(0);
    cache.prune(later);
    expect(entries()).toEqual([]);
  });
});
