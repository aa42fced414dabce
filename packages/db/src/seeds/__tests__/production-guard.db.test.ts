import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markDatabaseEnvironmentSql, SeedError, type SeedReport } from "@repo/migrator";
import { createDatabase } from "../../client.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { seedDatabase } from "../seed-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

async function refused(promise: Promise<SeedReport>): Promise<SeedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SeedError);
  return error as SeedError;
}

async function count(table: string): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>(`select count(*)::int as n from "${table}"`);
  return row!.n;
}

describe("the production guard", () => {
  it("with NODE_ENV=production: seeds reference only, and refuses every other tier asked for by name", async () => {
    const report = await seedDatabase(t.db, { nodeEnv: "production" });
    expect(report.tiers.map((tier) => tier.tier)).toEqual(["reference"]);
    expect(report.skipped.map((s) => s.tier)).toEqual(["development", "research", "search"]);
    expect(await count("ai_model")).toBeGreaterThan(0);

    for (const tier of ["development", "research", "search"]) {
      const error = await refused(seedDatabase(t.db, { nodeEnv: "production", only: [tier] }));
      expect(error.toJSON()).toMatchObject({ code: "production-refused", tier });
      expect(error.message).toContain("NODE_ENV=production");
    }
    expect(await count("user")).toBe(0);
    expect(await count("organization")).toBe(0);
  });

  it("on a database marked production: refuses demo tiers even when NODE_ENV says development", async () => {
    const [{ name } = { name: "" }] = await t.driver.query<{ name: string }>("select current_database() as name");
    await t.driver.exec(markDatabaseEnvironmentSql(name, "production"));
    try {
      const error = await refused(seedDatabase(t.db, { nodeEnv: "development", only: ["development"] }));
      expect(error.code).toBe("production-refused");
      expect(error.message).toContain("the database is marked production (app.environment)");
      expect(error.fix).toContain("RESET app.environment");

      const report = await seedDatabase(t.db, { nodeEnv: undefined });
      expect(report).toMatchObject({ environment: "production", production: true });
      expect(report.tiers.map((tier) => tier.tier)).toEqual(["reference"]);
      expect(await count("user")).toBe(0);
    } finally {
      await t.driver.exec(`ALTER DATABASE "${name}" RESET app.environment`);
    }
    const unmarked = await seedDatabase(t.db, { nodeEnv: "development", only: ["development"] });
    expect(unmarked.environment).toBe("development");
    expect(await count("user")).toBeGreaterThan(0);
  });

  it("production wins over a session that says development (SET, PGOPTIONS, ?options= in the URL)", async () => {
    const [{ name } = { name: "" }] = await t.driver.query<{ name: string }>("select current_database() as name");
    await t.driver.exec(markDatabaseEnvironmentSql(name, "production"));
    const usersBefore = await count("user");
    type Handle = { db: typeof t.db; close(): Promise<void> };
    // The embedded database is one session: a SET on it is what the seed sees. On a server the
    // seed uses several pooled connections, so the URL and PGOPTIONS put the value on each.
    const sessions: { how: string; open(): Handle | Promise<Handle> }[] = [];
    if (t.connection.kind === "pglite") {
      sessions.push({ how: "SET on the session", open: () => ({ db: t.db, close: async () => undefined }) });
    } else {
      const url = t.connection.url;
      sessions.push(
        {
          how: "?options= in the URL",
          open: () =>
            createDatabase({ kind: "postgres", url: `${url}?options=-c%20app.environment%3Ddevelopment` }, { max: 2 }),
        },
        {
          how: "PGOPTIONS",
          open: async () => {
            // node-postgres reads PGOPTIONS when it opens the connection: keep it set until then.
            const saved = process.env["PGOPTIONS"];
            process.env["PGOPTIONS"] = "-c app.environment=development";
            try {
              const handle = createDatabase({ kind: "postgres", url }, { max: 2 });
              // Open both connections while PGOPTIONS is set.
              await Promise.all([
                handle.db.execute("select pg_sleep(0.05)"),
                handle.db.execute("select pg_sleep(0.05)"),
              ]);
              return handle;
            } finally {
              if (saved === undefined) delete process.env["PGOPTIONS"];
              else process.env["PGOPTIONS"] = saved;
            }
          },
        },
      );
    }
    try {
      for (const session of sessions) {
        const handle = await session.open();
        try {
          if (session.how.startsWith("SET")) await handle.db.execute("set app.environment = 'development'");
          const seen = (await handle.db.execute(
            "select current_setting('app.environment', true) as env",
          )) as unknown as {
            rows: { env: string }[];
          };
          expect(seen.rows[0]?.env, session.how).toBe("development");
          const error = await refused(seedDatabase(handle.db, { nodeEnv: "development", only: ["development"] }));
          expect(error.code, session.how).toBe("production-refused");
          expect(error.message).toContain("the database is marked production (app.environment)");
        } finally {
          if (session.how.startsWith("SET")) await handle.db.execute("reset app.environment");
          await handle.close();
        }
      }
      expect(await count("user")).toBe(usersBefore);
    } finally {
      await t.driver.exec(`ALTER DATABASE "${name}" RESET app.environment`);
    }
  });

  it("reads a mistyped production (NODE_ENV=PRODUCTION, a marker 'Production') as production, and refuses an unknown name", async () => {
    const usersBefore = await count("user");
    const shouting = await seedDatabase(t.db, { nodeEnv: "PRODUCTION" });
    expect(shouting).toMatchObject({ environment: "production", production: true });
    expect(shouting.tiers.map((tier) => tier.tier)).toEqual(["reference"]);

    const [{ name } = { name: "" }] = await t.driver.query<{ name: string }>("select current_database() as name");
    await t.driver.exec(markDatabaseEnvironmentSql(name, "Production"));
    try {
      const error = await refused(seedDatabase(t.db, { nodeEnv: "development", only: ["development"] }));
      expect(error.code).toBe("production-refused");
    } finally {
      await t.driver.exec(`ALTER DATABASE "${name}" RESET app.environment`);
    }

    const unknown = await refused(seedDatabase(t.db, { nodeEnv: "prodution" }));
    expect(unknown.code).toBe("unknown-environment");
    expect(unknown.message).toContain('"prodution"');
    expect(await count("user")).toBe(usersBefore);
  });
});
