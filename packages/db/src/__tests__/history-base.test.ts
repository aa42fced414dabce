import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareWithBase, type HistoryEdit, readMigrationFolder, readReviewConfig, runReview } from "@repo/migrator";
import { afterEach, describe, expect, it } from "vitest";
import { REVIEW_CONFIG_PATH } from "../project.ts";
import { type GitRepository, gitRepository, mergeKeepingBoth, toFoldersLayout } from "../testing/git-repository.ts";
import { runCommand } from "../testing/run-command.ts";

/**
 * `db:review --base REF` on real git repositories: Trovella's history committed on `main`, then
 * what a branch does to it. Each case names the migration and the part that changed.
 */
const repositories: GitRepository[] = [];
afterEach(() => {
  for (const repo of repositories.splice(0)) repo.remove();
});

function repository(upTo?: number): GitRepository {
  const repo = gitRepository(upTo);
  repositories.push(repo);
  return repo;
}

async function editsAgainst(repo: GitRepository, ref: string): Promise<HistoryEdit[]> {
  return (await compareWithBase(readMigrationFolder(repo.migrations.dir), ref)).edits;
}

const journalFile = (repo: GitRepository) => join(repo.migrations.dir, "meta", "_journal.json");

describe("db:review --base: migrations that exist at REF", () => {
  it("reports nothing for a branch that only appends after REF's last migration", async () => {
    const repo = repository();
    repo.git("checkout", "-q", "-b", "feature");
    repo.migrations.add("feature_table", 'CREATE TABLE "feature_table" ("id" integer);');
    expect(await editsAgainst(repo, "main")).toEqual([]);
    repo.commit("feature");
    expect(await editsAgainst(repo, "main")).toEqual([]);
  });

  it("reports a changed SQL file, snapshot and journal entry, each named, with the files to restore", async () => {
    const repo = repository();
    const [, , , , , , , e7, e8, e9] = repo.migrations.entries();
    repo.migrations.write(e7!.tag, `${repo.migrations.read(e7!.tag)}\n-- a harmless comment\n`);
    const snapshot = join(repo.migrations.dir, "meta", "0008_snapshot.json");
    const parsed = JSON.parse(readFileSync(snapshot, "utf8")) as { tables: Record<string, { isRLSEnabled: boolean }> };
    parsed.tables["public.ai_usage"]!.isRLSEnabled = !parsed.tables["public.ai_usage"]!.isRLSEnabled;
    writeFileSync(snapshot, JSON.stringify(parsed, null, 2));
    const journal = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: { when: number }[] };
    journal.entries[9]!.when += 1;
    writeFileSync(journalFile(repo), JSON.stringify(journal, null, 2));

    expect(await editsAgainst(repo, "main")).toEqual([
      {
        kind: "modified",
        tag: e7!.tag,
        parts: ["SQL file"],
        details: [],
        file: join(repo.migrations.dir, `${e7!.tag}.sql`),
        paths: [`db/migrations/${e7!.tag}.sql`],
      },
      {
        kind: "modified",
        tag: e8!.tag,
        parts: ["snapshot"],
        details: [],
        file: join(repo.migrations.dir, `${e8!.tag}.sql`),
        paths: ["db/migrations/meta/0008_snapshot.json"],
      },
      {
        kind: "modified",
        tag: e9!.tag,
        parts: ["journal entry"],
        details: [`when ${e9!.when} → ${e9!.when + 1}`],
        file: join(repo.migrations.dir, `${e9!.tag}.sql`),
        paths: ["db/migrations/meta/_journal.json"],
      },
    ]);
  });

  it("reports a renamed and a deleted migration, and one moved in the journal", async () => {
    const repo = repository();
    const entries = repo.migrations.entries();
    const last = entries.at(-1)!;
    const number = last.tag.split("_")[0]!;
    const renamedTag = last.tag.replace(`${number}_`, `${number}_renamed-`);
    renameSync(join(repo.migrations.dir, `${last.tag}.sql`), join(repo.migrations.dir, `${renamedTag}.sql`));
    const journal = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: { tag: string }[] };
    journal.entries.at(-1)!.tag = renamedTag;
    writeFileSync(journalFile(repo), JSON.stringify(journal, null, 2));
    expect(await editsAgainst(repo, "main")).toEqual([
      expect.objectContaining({ kind: "renamed", tag: last.tag, to: renamedTag }),
    ]);

    repo.git("checkout", "-q", "--", ".");
    repo.git("clean", "-qfd");
    const removed = entries.at(-1)!;
    rmSync(join(repo.migrations.dir, `${removed.tag}.sql`));
    rmSync(join(repo.migrations.dir, "meta", `${number}_snapshot.json`));
    const cut = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: unknown[] };
    cut.entries.pop();
    writeFileSync(journalFile(repo), JSON.stringify(cut, null, 2));
    expect(await editsAgainst(repo, "main")).toEqual([
      {
        kind: "deleted",
        tag: removed.tag,
        file: `main:db/migrations/${removed.tag}.sql`,
        paths: [`db/migrations/${removed.tag}.sql`, `db/migrations/meta/${number}_snapshot.json`],
      },
    ]);

    repo.git("checkout", "-q", "--", ".");
    const swapped = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: unknown[] };
    swapped.entries.splice(8, 2, swapped.entries[9], swapped.entries[8]);
    writeFileSync(journalFile(repo), JSON.stringify(swapped, null, 2));
    expect(await editsAgainst(repo, "main")).toEqual([
      expect.objectContaining({
        kind: "modified",
        tag: entries[9]!.tag,
        parts: ["journal entry"],
        details: [`now before ${entries[8]!.tag}, which it followed at the base`],
      }),
    ]);
  });

  it("reports a new migration put before REF's last in the journal, though dated after it", async () => {
    const repo = repository();
    const last = repo.migrations.entries().at(-1)!;
    const added = repo.migrations.add("squeezed_in", 'CREATE TABLE "squeezed_in" ("id" integer);');
    const journal = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: unknown[] };
    journal.entries.splice(-2, 2, journal.entries.at(-1), journal.entries.at(-2));
    writeFileSync(journalFile(repo), JSON.stringify(journal, null, 2));
    expect(await editsAgainst(repo, "main")).toEqual([
      expect.objectContaining({ kind: "inserted", tag: added, before: last.tag, reason: "position" }),
    ]);
  });

  it("reports a new migration dated before REF's last after a merge, and one of a branch that has not merged REF", async () => {
    const repo = repository();
    const last = repo.migrations.entries().at(-1)!;
    repo.git("checkout", "-q", "-b", "feature");
    const older = repo.migrations.add("feature_a", 'CREATE TABLE "feature_a" ("id" integer);', {
      when: last.when + 1000,
    });
    repo.commit("feature: a migration");
    repo.git("checkout", "-q", "main");
    const newer = repo.migrations.add("main_b", 'CREATE TABLE "main_b" ("id" integer);', { when: last.when + 2000 });
    repo.commit("main: a migration, deployed");
    repo.git("checkout", "-q", "feature");

    expect(await editsAgainst(repo, "main")).toEqual([
      {
        kind: "inserted",
        tag: older,
        file: join(repo.migrations.dir, `${older}.sql`),
        before: newer,
        reason: "not-merged",
        notMerged: [newer],
      },
    ]);

    mergeKeepingBoth(repo, "main");
    const merged = readMigrationFolder(repo.migrations.dir);
    expect(merged.migrations.slice(-2).map((m) => m.tag)).toEqual([newer, older]);
    expect(await editsAgainst(repo, "main")).toEqual([
      {
        kind: "inserted",
        tag: older,
        file: join(repo.migrations.dir, `${older}.sql`),
        before: newer,
        reason: "when",
        notMerged: [],
      },
    ]);
  });

  it("lets an edit of a migration's contents through only with an acceptedEdits entry, naming db:accept-hash", async () => {
    const repo = repository();
    const [, , , , , , , e7] = repo.migrations.entries();
    repo.migrations.write(e7!.tag, `${repo.migrations.read(e7!.tag)}\n-- a harmless comment\n`);
    const config = readReviewConfig(REVIEW_CONFIG_PATH);
    const refused = await runReview({ folder: repo.migrations.dir, displayFolder: "migrations", config, base: "main" });
    expect(refused.history?.findings).toEqual([
      expect.objectContaining({
        file: `migrations/${e7!.tag}.sql`,
        rule: "history-edited",
        severity: "error",
        message: `${e7!.tag} exists at main but its SQL file changed: a database that applied it no longer matches the history`,
        help: expect.stringContaining(`git checkout main -- ':/db/migrations/${e7!.tag}.sql'`),
      }),
    ]);

    const accepting = { ...config, acceptedEdits: [{ tag: e7!.tag, reason: "a comment for the next reader" }] };
    const accepted = await runReview({ folder: repo.migrations.dir, config: accepting, base: "main" });
    expect(accepted.history?.findings).toEqual([]);
    expect(accepted.history?.accepted).toEqual([
      { tag: e7!.tag, reason: "a comment for the next reader", parts: ["SQL file"], needsAcceptHash: true },
    ]);

    const last = repo.migrations.entries().at(-1)!;
    rmSync(join(repo.migrations.dir, `${last.tag}.sql`));
    const cut = JSON.parse(readFileSync(journalFile(repo), "utf8")) as { entries: unknown[] };
    cut.entries.pop();
    writeFileSync(journalFile(repo), JSON.stringify(cut, null, 2));
    const deleting = { ...config, acceptedEdits: [{ tag: e7!.tag, reason: "a comment" }] };
    const deletion = await runReview({ folder: repo.migrations.dir, config: deleting, base: "main" });
    expect(deletion.history?.findings.map((f) => [f.rule, f.message.split(" ")[0]])).toEqual([
      ["history-edited", last.tag],
    ]);
    await expect(
      runReview({
        folder: repo.migrations.dir,
        config: { ...config, acceptedEdits: [{ tag: "0042_typo", reason: "r" }] },
        base: "main",
      }),
    ).rejects.toThrow('"acceptedEdits" names "0042_typo", which is no migration of');
  });

  it("in Drizzle Kit 1.0's layout: a renamed folder, and a new folder that sorts before REF's last", async () => {
    const repo = repository();
    const names = toFoldersLayout(repo);
    expect(readMigrationFolder(repo.migrations.dir).layout).toBe("folders");

    const last = names.at(-1)!;
    const early = `${last.slice(0, 8)}000000_feature`;
    mkdirSync(join(repo.migrations.dir, early));
    writeFileSync(join(repo.migrations.dir, early, "migration.sql"), 'CREATE TABLE "feature" ("id" integer);');
    renameSync(join(repo.migrations.dir, names[3]!), join(repo.migrations.dir, `${names[3]}-renamed`));
    expect((await editsAgainst(repo, "main")).map((e) => [e.kind, e.tag])).toEqual([
      ["renamed", names[3]],
      ["inserted", early],
    ]);
  });
});

describe("db:review --base as a command", () => {
  it("fails (exit 1) naming the edited migration, and stops (exit 2) on a ref git does not know", async () => {
    const repo = repository();
    const [, , , , , , , e7] = repo.migrations.entries();
    repo.migrations.write(e7!.tag, `${repo.migrations.read(e7!.tag)}\n-- edited\n`);
    const failed = await runCommand("review", ["--migrations", repo.migrations.dir, "--base", "main"], {});
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain(`${e7!.tag}.sql:1:1 error history-edited ${e7!.tag} exists at main`);
    expect(failed.stderr).toMatch(/Compared the history with main \([0-9a-f]{12}\)/);
    expect(failed.stderr).toContain("1 error(s)");

    const unknown = await runCommand("review", ["--migrations", repo.migrations.dir, "--base", "origin/nope"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: --base origin/nope: git knows no commit by that name");
    const fromEnv = await runCommand("review", ["--migrations", repo.migrations.dir], { DB_REVIEW_BASE: "main" });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout).toContain("history-edited");
  });
});
