import {
  OutOfOrderConflictError,
  readMigrationFolder,
  type RunEvent,
  runMigrations,
  verifyMigrations,
} from "@repo/migrator";
import { describe, expect, it } from "vitest";
import { type TestDatabase } from "../testing/test-database.ts";
import { testResources } from "../testing/test-resources.ts";

/**
 * `--allow-out-of-order` on both engines: a migration merged after a later one was deployed runs
 * only when it touches nothing the later, applied migrations touch; otherwise nothing is applied.
 */
const resources = testResources();

const freshDatabase = () => resources.database({ migrate: false });

const scratch = () => resources.scratch();

const SHARED = 'CREATE TABLE "scratch_shared" ("id" integer, "status" text DEFAULT \'new\');';

/**
 * A database that has the history, `scratch_shared` and the later migration `later`; and the merged
 * folder where `outOfOrder` comes before `later` (generated earlier on another branch).
 */
async function deployedThenMerged(t: TestDatabase, outOfOrder: string, later: string) {
  const deployed = scratch();
  deployed.add("shared", SHARED);
  const whenShared = deployed.entries().at(-1)!.when;
  deployed.add("later", later, { when: whenShared + 2000 });
  await runMigrations(t.driver, readMigrationFolder(deployed.dir));
  const merged = scratch();
  merged.add("shared", SHARED, { when: whenShared });
  const tag = merged.add("out_of_order", outOfOrder, { when: whenShared + 1000 });
  const laterTag = merged.add("later", later, { when: whenShared + 2000 });
  return { folder: readMigrationFolder(merged.dir), tag, laterTag };
}

async function columnDefault(t: TestDatabase): Promise<string | null> {
  const [row] = await t.driver.query<{ d: string | null }>(
    `SELECT column_default AS d FROM information_schema.columns WHERE table_name = 'scratch_shared' AND column_name = 'status'`,
  );
  return row?.d ?? null;
}

describe("--allow-out-of-order", () => {
  it("refuses, applying nothing, when the out-of-order migration touches what a later applied one did", async () => {
    const t = await freshDatabase();
    // Both orders apply without error, but leave different defaults: the check must stop it.
    const { folder, tag, laterTag } = await deployedThenMerged(
      t,
      `ALTER TABLE "scratch_shared" ALTER COLUMN "status" SET DEFAULT 'open';`,
      `ALTER TABLE "scratch_shared" ALTER COLUMN "status" SET DEFAULT 'closed';`,
    );
    const error = await runMigrations(t.driver, folder, { allowOutOfOrder: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutOfOrderConflictError);
    expect((error as OutOfOrderConflictError).conflicts).toEqual([
      {
        tag,
        later: laterTag,
        objects: [{ ours: 'column "scratch_shared"."status"', theirs: 'column "scratch_shared"."status"' }],
      },
    ]);
    expect((error as Error).message).toContain(`${tag} touches what the later, applied ${laterTag} touches`);
    expect((error as Error).message).toContain("Nothing was applied");
    expect(await columnDefault(t)).toBe("'closed'::text");
    expect((await verifyMigrations(t.driver, folder)).ok).toBe(false);
  });

  it("applies it when it touches other objects, warning about statements it could not read", async () => {
    const t = await freshDatabase();
    const { folder, tag } = await deployedThenMerged(
      t,
      [
        'ALTER TABLE "scratch_shared" ADD COLUMN "note" text;',
        "--> statement-breakpoint",
        "DO $$ BEGIN PERFORM 1; END $$;",
      ].join("\n"),
      `ALTER TABLE "scratch_shared" ALTER COLUMN "status" SET DEFAULT 'closed';`,
    );
    const events: RunEvent[] = [];
    const result = await runMigrations(t.driver, folder, { allowOutOfOrder: true, onEvent: (e) => events.push(e) });
    expect(result.applied.map((m) => m.tag)).toEqual([tag]);
    expect(result.verification.ok).toBe(true);
    expect(events.flatMap((e) => (e.type === "warning" ? [e.message] : []))).toEqual([
      `the out-of-order check could not read ${tag}.sql:3 (a DO block with PL/pgSQL it cannot read (perform)): check by hand that it does not depend on the order`,
    ]);
  });
});
