import { pgTable, text, uuid } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { organization } from "../schema/index.ts";
import { branchesThatEachGenerate, pendingStatements } from "../testing/generate-migration.ts";
import { type GitRepository, gitRepository, mergeKeepingBoth } from "../testing/git-repository.ts";
import { runCommand } from "../testing/run-command.ts";
import { readMigrationFolder } from "@repo/migrator";
import { testResources } from "../testing/test-resources.ts";

/**
 * The README's out-of-order story, end to end, on both engines and a real git repository: two
 * branches each generate a migration with Drizzle Kit's differ; main deploys its one; the other
 * branch is merged after it. Review catches it; a deploy stops with exit 3 and both ways forward;
 * a fresh database applies the merged folder in its order; then either way forward deploys and
 * db:verify passes.
 */
const noteTable = {
  branchANote: pgTable("branch_a_note", {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organization.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
  }),
};
const tagTable = {
  branchBTag: pgTable("branch_b_tag", { id: uuid("id").primaryKey().defaultRandom(), label: text("label") }),
};

const resources = testResources();

/** A database a command opens itself: at Trovella's history (as production is), or empty. */
const database = (options: { migrate: boolean }) => resources.commandTarget(options);

function repository(): GitRepository {
  const repo = gitRepository();
  resources.later(() => repo.remove());
  return repo;
}

describe("two branches each generate a migration; one is merged after the other was deployed", () => {
  it("is caught at review, stopped at deploy, applied in order on a fresh database, and deployed either way forward", async () => {
    const repo = repository();
    const folder = ["--migrations", repo.migrations.dir];
    const { tagA, tagB } = await branchesThatEachGenerate(repo, noteTable, tagTable);

    // Production runs main, which has tagB; a second production copy for the other way forward.
    // Both are at the history main started from, so their deploy applies tagB alone.
    repo.git("checkout", "-q", "main");
    const production = await database({ migrate: true });
    const other = await database({ migrate: true });
    for (const env of [production, other]) expect((await runCommand("migrate", folder, env)).code).toBe(0);
    repo.git("checkout", "-q", "feature");
    mergeKeepingBoth(repo, "main");

    // Review time: the merged branch's migration comes before main's last by its when.
    const review = await runCommand("review", [...folder, "--base", "main"], {});
    expect(review.code).toBe(1);
    expect(review.stdout).toContain(
      `error history-inserted ${tagA} is new but comes before main's last migration ${tagB} (by its when)`,
    );

    // Deploy time: stop before anything, naming the migration and both ways forward.
    const stopped = await runCommand("migrate", folder, production);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain(`  - ${tagA} (when `);
    expect(stopped.stderr).toContain("db:rebase");
    expect(stopped.stderr).toContain("--allow-out-of-order");
    const status = await runCommand("status", [...folder, "--json"], production);
    expect(JSON.parse(status.stdout).migrations.at(-1)).toMatchObject({ tag: tagA, state: "out-of-order" });

    // A fresh database applies the merged folder in its order, with the warning.
    const fresh = await database({ migrate: false });
    const first = await runCommand("migrate", folder, fresh);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`warning: journal entry "${tagA}" has when`);
    expect(first.stdout.match(/Applied \S+/g)?.slice(-2)).toEqual([`Applied ${tagB}`, `Applied ${tagA}`]);

    // Way forward 1: apply it out of order after the conflict check.
    const allowed = await runCommand("migrate", [...folder, "--allow-out-of-order"], other);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(new RegExp(`Applied ${tagA} \\(\\d+ ms\\)`));
    expect((await runCommand("verify", folder, other)).code).toBe(0);

    // Way forward 2: db:rebase, commit, deploy.
    const rebased = await runCommand("rebase", [...folder, "--onto", "main"], {});
    expect(rebased.code, rebased.stderr).toBe(0);
    repo.commit("db:rebase onto main");
    const moved = readMigrationFolder(repo.migrations.dir).migrations.at(-1)!;
    expect(moved.tag).toBe(`${String(Number(tagB.split("_")[0]) + 1).padStart(4, "0")}_branch_a`);
    expect(await pendingStatements(moved.snapshot!, { ...noteTable, ...tagTable })).toEqual([]);
    // Review finds nothing wrong with the history any more (the new table's own findings aside).
    const reviewed = await runCommand("review", [...folder, "--base", "main", "--format", "json"], {});
    expect((JSON.parse(reviewed.stdout) as { rule: string }[]).filter((f) => f.rule.startsWith("history-"))).toEqual(
      [],
    );
    const deploy = await runCommand("migrate", folder, production);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(new RegExp(`Applied ${moved.tag} \\(\\d+ ms\\)`));
    expect((await runCommand("verify", folder, production)).code).toBe(0);
    const rebuilt = await database({ migrate: false });
    expect((await runCommand("migrate", folder, rebuilt)).code).toBe(0);
    expect((await runCommand("verify", folder, rebuilt)).code).toBe(0);
  });
});
