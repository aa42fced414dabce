/**
 * The reference database of `--live --database-url` is only read: the session it opens refuses
 * every write, and the sizes it reads are the planner's estimate and the on-disk size.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../../drivers/database-url.ts";
import { databaseErrorFields, type Driver } from "../../drivers/driver.ts";
import { openPostgresDriver } from "../../drivers/postgres.ts";
import { describeSize, isLarge, openReadOnly, relationSizes } from "./reference-database.ts";

const serverUrl = process.env["TEST_DATABASE_URL"] ?? "";
const name = `migrator_reference_${process.pid}`;
const url = databaseUrl(serverUrl, name);
let admin: Driver;

beforeAll(async () => {
  admin = await openPostgresDriver(serverUrl);
  await admin.exec(`DROP DATABASE IF EXISTS ${name}`);
  await admin.exec(`CREATE DATABASE ${name}`);
  const setup = await openPostgresDriver(url);
  await setup.exec(
    "CREATE TABLE event (id bigint PRIMARY KEY, body text); INSERT INTO event SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g; ANALYZE event; CREATE TABLE fresh (id int)",
  );
  await setup.close();
});

afterAll(async () => {
  await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.close();
});

async function sqlstate(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(
    () => "no error",
    (error: unknown) => databaseErrorFields(error).code,
  );
}

describe("the reference database", () => {
  it("is opened read-only: every kind of write fails with SQLSTATE 25006", async () => {
    const session = await openReadOnly(url);
    try {
      expect(await sqlstate(session.exec("CREATE TABLE written (id int)"))).toBe("25006");
      expect(await sqlstate(session.exec("INSERT INTO event VALUES (0, 'x')"))).toBe("25006");
      expect(await sqlstate(session.exec("UPDATE event SET body = 'y' WHERE id = 1"))).toBe("25006");
      expect(await sqlstate(session.exec("DELETE FROM event"))).toBe("25006");
    } finally {
      await session.close();
    }
    const check = await openPostgresDriver(url);
    const [row] = await check.query<{ n: string; body: string }>(
      "SELECT count(*)::text AS n, (SELECT body FROM event WHERE id = 1) AS body FROM event",
    );
    await check.close();
    expect(row).toEqual({ n: "5000", body: "x".repeat(100) });
  });

  it("gives the planner's row estimate and the size on disk; unknown tables are absent", async () => {
    const session = await openReadOnly(url);
    try {
      const sizes = await relationSizes(session, [
        { schema: "public", name: "event" },
        { schema: "public", name: "fresh" },
        { schema: "public", name: "nowhere" },
      ]);
      expect([...sizes.keys()].sort()).toEqual(["public.event", "public.fresh"]);
      const event = sizes.get("public.event")!;
      expect(event.rows).toBe(5000);
      expect(event.totalBytes).toBeGreaterThan(event.heapBytes);
      expect(isLarge(event, 5000)).toBe(true);
      expect(isLarge(event, 5001)).toBe(false);
      expect(describeSize(event)).toMatch(/^~5,000 rows, \d+(\.\d)? kB$/);
      // Never analyzed: no estimate; empty, so not large however low the threshold.
      const fresh = sizes.get("public.fresh")!;
      expect(fresh.rows).toBeUndefined();
      expect(isLarge(fresh, 1)).toBe(false);
    } finally {
      await session.close();
    }
  });
});
