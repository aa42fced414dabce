/**
 * The production guard against sessions that try to hide a stored marker, on a server (the
 * marker lives in `pg_db_role_setting`, and `-c role=…` needs a real login): whatever role the
 * URL switches to and whatever case the setting's name was stored in, demo tiers are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeedError } from "@repo/migrator";
import { createDatabase } from "../../client.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { seedDatabase } from "../seed-database.ts";

let t: TestDatabase;
let name: string;
let login: string;
beforeAll(async () => {
  t = await createTestDatabase({ engine: "postgres" });
  const [row] = await t.driver.query<{ name: string; login: string }>(
    "select current_database() as name, session_user as login",
  );
  ({ name, login } = row!);
});
afterAll(async () => {
  await t?.close();
});

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** The test database's URL with `-c …` startup options, as a deploy's DATABASE_URL could carry them. */
function urlWithOptions(options: string): string {
  if (t.connection.kind !== "postgres") throw new Error("server only");
  const url = t.connection.url;
  return `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(options)}`;
}

/** Seeds the development tier through that URL and returns what it threw. */
async function seedThrough(url: string): Promise<unknown> {
  const handle = createDatabase({ kind: "postgres", url }, { max: 2 });
  try {
    return await seedDatabase(handle.db, { nodeEnv: "development", only: ["development"] }).then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    await handle.close();
  }
}

async function users(): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>(`select count(*)::int as n from "user"`);
  return row!.n;
}

describe("a stored production marker cannot be hidden by the session", () => {
  it("on the login role in this database, when the URL switches to another role (-c role=…) and says development", async () => {
    await t.driver.exec(`ALTER ROLE ${quoted(login)} IN DATABASE ${quoted(name)} SET app.environment = 'production'`);
    try {
      const error = await seedThrough(urlWithOptions("-c role=authenticated -c app.environment=development"));
      expect(error).toBeInstanceOf(SeedError);
      expect((error as SeedError).code).toBe("production-refused");
      expect(await users()).toBe(0);
    } finally {
      await t.driver.exec(`ALTER ROLE ${quoted(login)} IN DATABASE ${quoted(name)} RESET app.environment`);
    }
  });

  it('on the database under a mixed-case name ("App.Environment"), when the URL says development', async () => {
    await t.driver.exec(`ALTER DATABASE ${quoted(name)} SET "App.Environment" = 'production'`);
    try {
      const error = await seedThrough(urlWithOptions("-c app.environment=development"));
      expect(error).toBeInstanceOf(SeedError);
      expect((error as SeedError).code).toBe("production-refused");
      expect(await users()).toBe(0);
    } finally {
      await t.driver.exec(`ALTER DATABASE ${quoted(name)} RESET "App.Environment"`);
    }
  });
});
