/**
 * A migration generated on a machine whose clock was ahead, once applied, makes every migration
 * generated after it (but before its time) older than the newest applied one: the runner's
 * out-of-order refusal names it as the cause, rather than suggesting a branch merged late.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOwnTestDatabase, type OwnTestDatabase } from "../drivers/testing/test-engine-driver.ts";
import { RunnerError } from "../errors/runner-error.ts";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { runMigrations } from "./run-migrations.ts";

const DAY = 24 * 60 * 60 * 1000;

let database: OwnTestDatabase;
let folder: string;

/** Writes the journal folder's migrations (tag, when), each creating a table of its own. */
function writeJournal(entries: { tag: string; when: number }[]): void {
  for (const { tag } of entries) writeFileSync(join(folder, `${tag}.sql`), `CREATE TABLE "${tag}" ("id" integer);`);
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({
      version: "7",
      dialect: "postgresql",
      entries: entries.map(({ tag, when }, idx) => ({ idx, version: "7", when, tag, breakpoints: true })),
    }),
  );
}

beforeAll(async () => {
  database = await openOwnTestDatabase("future_when");
  folder = mkdtempSync(join(tmpdir(), "future-applied-"));
  mkdirSync(join(folder, "meta"));
});

afterAll(async () => {
  await database?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("an applied migration whose when lies in the future", () => {
  it("is named as the cause when a later migration is refused as out of order", async () => {
    const now = Date.now();
    const ahead = { tag: "0000_clock_ahead", when: now + 60 * DAY };
    writeJournal([ahead]);
    await runMigrations(database.driver, readMigrationFolder(folder));

    const later = { tag: "0001_generated_later", when: now };
    writeJournal([ahead, later]);
    const error = await runMigrations(database.driver, readMigrationFolder(folder)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunnerError);
    const refused = error as RunnerError;
    expect(refused.problem).toEqual({
      kind: "out-of-order",
      migrations: [{ tag: later.tag, when: later.when, newestAppliedWhen: ahead.when }],
      futureApplied: [ahead],
    });
    expect(refused.message).toContain(
      `because the applied migration ${ahead.tag} (when ${ahead.when}, ${new Date(ahead.when).toISOString()}) has a when that lies in the future`,
    );
    expect(refused.message).toContain("not because a branch was merged late");
  });
});
