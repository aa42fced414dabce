/**
 * The migrator's advisory lock is the one thing that keeps two runs apart. PostgreSQL lets a
 * session take an advisory lock it already holds, and the session holding it need not be this
 * run's: a transaction-mode pooler hands a run's server connection to the next client between its
 * transactions, and two runs sharing a driver are one session. A run that finds the lock on its
 * own session must wait like any other, not run beside the holder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../drivers/driver.ts";
import { openOwnTestDatabase, type OwnTestDatabase } from "../drivers/testing/test-engine-driver.ts";
import type { RunnerError } from "../errors/runner-error.ts";
import { readMigrationFolder } from "../journal/migration-folder.ts";
import { MIGRATOR_LOCK_HELD_SQL, MIGRATOR_LOCK_KEY } from "./advisory-lock.ts";
import { readAppliedRows } from "./bookkeeping.ts";
import { runMigrations } from "./run-migrations.ts";

let database: OwnTestDatabase;
let driver: Driver;
let folder: string;
const table = "lock_counter";

beforeAll(async () => {
  database = await openOwnTestDatabase("migrator_lock");
  driver = database.driver;
  folder = mkdtempSync(join(tmpdir(), "migrator-lock-"));
  mkdirSync(join(folder, "meta"));
  const tags = ["0000_counter", "0001_count"];
  writeFileSync(join(folder, `${tags[0]}.sql`), `CREATE TABLE "${table}" ("n" integer);`);
  writeFileSync(join(folder, `${tags[1]}.sql`), `INSERT INTO "${table}" VALUES (1);`);
  const entries = tags.map((tag, idx) => ({
    idx,
    version: "7",
    when: 1_790_000_000_000 + idx,
    tag,
    breakpoints: true,
  }));
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
});

afterAll(async () => {
  await database?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("the migrator's lock, held by another run on the same server session", () => {
  it("makes a run wait, then give up with runner-busy, applying nothing, instead of taking the lock a second time", async () => {
    // What a pooler leaves a run with: the server connection it is handed holds another run's lock.
    await driver.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    try {
      const refusal = (await runMigrations(driver, readMigrationFolder(folder), { waitTimeoutMs: 300 }).catch(
        (error: unknown) => error,
      )) as RunnerError;
      expect(refusal.problem.kind).toBe("runner-busy");
      const [held] = await driver.query<{ held: boolean }>(`SELECT ${MIGRATOR_LOCK_HELD_SQL} AS held`);
      // The holder's lock is still there, taken once: one unlock releases it.
      expect(held?.held).toBe(true);
      const [table_] = await driver.query<{ found: string | null }>(`SELECT to_regclass('"${table}"')::text AS found`);
      expect(table_?.found).toBeNull();
    } finally {
      await driver.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATOR_LOCK_KEY]);
    }
    const [after] = await driver.query<{ held: boolean }>(`SELECT ${MIGRATOR_LOCK_HELD_SQL} AS held`);
    expect(after?.held).toBe(false);
  });

  it("two runs at once on one driver apply each migration once: the second waits for the first", async () => {
    const runs = await Promise.all([
      runMigrations(driver, readMigrationFolder(folder)),
      runMigrations(driver, readMigrationFolder(folder)),
    ]);
    expect(runs.map((run) => run.verification.ok)).toEqual([true, true]);
    expect(runs.map((run) => run.applied.length).sort()).toEqual([0, 2]);
    const [count] = await driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
    expect(count?.n).toBe(1);
    expect((await readAppliedRows(driver)).length).toBe(2);
  });
});
