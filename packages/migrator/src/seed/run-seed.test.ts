import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../cli/exit-codes.ts";
import { MigratorError } from "../errors/migrator-error.ts";
import { markDatabaseEnvironmentSql } from "./database-environment.ts";
import { planSeed, resolveSeedEnvironment, runSeed } from "./run-seed.ts";
import { SeedError } from "./seed-error.ts";
import { ALL_ENVIRONMENTS, NON_PRODUCTION_ENVIRONMENTS, type SeedTier } from "./seed-tier.ts";
import { sumCounts, tableCount } from "./table-count.ts";

/** Tiers that record their runs in `log`. */
function tiers(log: string[]): SeedTier<null>[] {
  const tier = (name: string, environments: SeedTier<null>["environments"]): SeedTier<null> => ({
    name,
    description: `${name} data`,
    environments,
    run: async () => {
      log.push(name);
      return [tableCount(`${name}_table`, { inserted: 1 })];
    },
  });
  return [
    tier("reference", ALL_ENVIRONMENTS),
    tier("development", NON_PRODUCTION_ENVIRONMENTS),
    tier("research", NON_PRODUCTION_ENVIRONMENTS),
  ];
}

function thrown(fn: () => unknown): SeedError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SeedError);
    return error as SeedError;
  }
  throw new Error("expected a SeedError, nothing was thrown");
}

async function refusal(promise: Promise<unknown>): Promise<SeedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SeedError);
  return error as SeedError;
}

describe("resolveSeedEnvironment", () => {
  it("is production when NODE_ENV says so or the database is marked, and says why", () => {
    expect(resolveSeedEnvironment({ nodeEnv: "production", databaseEnvironment: null }).productionReasons).toEqual([
      "NODE_ENV=production",
    ]);
    expect(resolveSeedEnvironment({ nodeEnv: "development", databaseEnvironment: "production" })).toMatchObject({
      environment: "production",
      production: true,
      productionReasons: ["the database is marked production (app.environment)"],
    });
  });

  it("defaults to development, and prefers the database marker over NODE_ENV", () => {
    expect(resolveSeedEnvironment({ nodeEnv: undefined, databaseEnvironment: null }).environment).toBe("development");
    expect(resolveSeedEnvironment({ nodeEnv: "test", databaseEnvironment: "staging" }).environment).toBe("staging");
  });
});

describe("resolveSeedEnvironment reads a mistyped environment as meant, or refuses it", () => {
  it("takes production in any case, or as prod, from NODE_ENV and from the marker", () => {
    for (const nodeEnv of ["Production", "PRODUCTION", "prod", " Prod "]) {
      expect(resolveSeedEnvironment({ nodeEnv, databaseEnvironment: null }), nodeEnv).toMatchObject({
        environment: "production",
        production: true,
      });
    }
    expect(resolveSeedEnvironment({ nodeEnv: "development", databaseEnvironment: "Production" })).toMatchObject({
      environment: "production",
      production: true,
    });
    expect(resolveSeedEnvironment({ nodeEnv: "Dev", databaseEnvironment: null }).environment).toBe("development");
  });

  it("refuses a name that is no environment, naming it and the accepted ones (exit 2)", () => {
    const error = thrown(() => resolveSeedEnvironment({ nodeEnv: "prodution", databaseEnvironment: null }));
    expect(error.code).toBe("unknown-environment");
    expect(error.message).toBe('NODE_ENV is "prodution", which is no environment the seed knows; nothing was seeded.');
    expect(error.fix).toContain("development, test, staging, production");
    expect(error.fix).toContain("prod for production");
    const marker = thrown(() => resolveSeedEnvironment({ nodeEnv: undefined, databaseEnvironment: "prd" }));
    expect(marker.message).toContain('the database marker app.environment is "prd"');
  });
});

describe("planSeed", () => {
  it("runs only tiers meant for production in production, and lists the others as skipped", () => {
    const plan = planSeed(tiers([]), resolveSeedEnvironment({ nodeEnv: "production", databaseEnvironment: null }));
    expect(plan.run.map((t) => t.name)).toEqual(["reference"]);
    expect(plan.skipped.map((s) => s.tier)).toEqual(["development", "research"]);
  });

  it("keeps registry order whatever order --tier names them in", () => {
    const plan = planSeed(tiers([]), resolveSeedEnvironment({ nodeEnv: "test", databaseEnvironment: null }), [
      "research",
      "reference",
    ]);
    expect(plan.run.map((t) => t.name)).toEqual(["reference", "research"]);
  });

  it("refuses a demo tier in production with no way around it", () => {
    const production = resolveSeedEnvironment({ nodeEnv: undefined, databaseEnvironment: "production" });
    const error = thrown(() => planSeed(tiers([]), production, ["development"]));
    expect(error.toJSON()).toMatchObject({ code: "production-refused", tier: "development" });
    expect(error.message).toContain("the database is marked production");
    expect(error.fix).toContain("no --force");
  });

  it("names the tiers that exist when --tier names one that does not", () => {
    const error = thrown(() =>
      planSeed(tiers([]), resolveSeedEnvironment({ nodeEnv: "test", databaseEnvironment: null }), ["referense"]),
    );
    expect(error.toJSON()).toEqual({
      code: "unknown-tier",
      tier: "referense",
      message: 'There is no seed tier named "referense".',
      fix: "Use one of: reference, development, research.",
    });
  });
});

describe("runSeed", () => {
  it("runs the allowed tiers in order and reports their counts", async () => {
    const log: string[] = [];
    const report = await runSeed({
      tiers: tiers(log),
      context: null,
      nodeEnv: "test",
      readDatabaseEnvironment: async () => null,
    });
    expect(log).toEqual(["reference", "development", "research"]);
    expect(report.tiers.map((t) => t.tables[0]?.table)).toEqual([
      "reference_table",
      "development_table",
      "research_table",
    ]);
  });

  it("runs nothing when a requested tier is refused", async () => {
    const log: string[] = [];
    const error = await refusal(
      runSeed({
        tiers: tiers(log),
        context: null,
        nodeEnv: "production",
        readDatabaseEnvironment: async () => null,
        only: ["reference", "research"],
      }),
    );
    expect(error.code).toBe("production-refused");
    expect(log).toEqual([]);
  });

  it("turns a database error into a tier-failed error naming the tier", async () => {
    const failing: SeedTier<null> = {
      name: "broken",
      description: "fails",
      environments: ALL_ENVIRONMENTS,
      run: async () => {
        throw Object.assign(new Error('relation "ai_model" does not exist'), { code: "42P01" });
      },
    };
    const error = await refusal(
      runSeed({
        tiers: [...tiers([]), failing],
        context: null,
        nodeEnv: "test",
        readDatabaseEnvironment: async () => null,
      }),
    );
    expect(error.toJSON()).toMatchObject({
      code: "tier-failed",
      tier: "broken",
      completed: ["reference", "development", "research"],
    });
    expect(error.message).toBe('Seed tier "broken" failed (SQLSTATE 42P01): relation "ai_model" does not exist.');
    expect(error.fix).toContain("run db:migrate");
  });

  it("keeps a toolkit error's words and fix: no SQLSTATE for its code, one full stop, what stays said", async () => {
    const failing: SeedTier<null> = {
      name: "development",
      description: "fails",
      environments: ALL_ENVIRONMENTS,
      run: async () => {
        throw new MigratorError(
          "unknown-tenant",
          'withTenantJob: there is no organization "org_dev_acme"; nothing ran.',
          "create the organization first",
        );
      },
    };
    const error = await refusal(
      runSeed({ tiers: [failing], context: null, nodeEnv: "test", readDatabaseEnvironment: async () => null }),
    );
    expect(error.message).toBe(
      'Seed tier "development" failed: withTenantJob: there is no organization "org_dev_acme"; nothing ran.',
    );
    expect(error.fix).toBe(
      "create the organization first. Then run the command again; rows the tier wrote before it failed are kept (every tier is idempotent: the next run counts them as present).",
    );
    // The first tier failed: nothing finished, so the JSON has no `completed` at all.
    expect(error.toJSON()).not.toHaveProperty("completed");
  });
});

describe("runSeed stopped by a signal", () => {
  it("finishes the running tier, starts no other, and says what finished (exit 130 for SIGINT)", async () => {
    const log: string[] = [];
    const interrupt = new AbortController();
    const [reference, ...rest] = tiers(log);
    const stopping: SeedTier<null> = {
      ...reference!,
      run: async (context) => {
        const tables = await reference!.run(context);
        interrupt.abort("SIGINT");
        return tables;
      },
    };
    const error = await refusal(
      runSeed({
        tiers: [stopping, ...rest],
        context: null,
        nodeEnv: "test",
        readDatabaseEnvironment: async () => null,
        signal: interrupt.signal,
      }),
    );
    expect(log).toEqual(["reference"]);
    expect(error.toJSON()).toMatchObject({ code: "interrupted", signal: "SIGINT", completed: ["reference"] });
    expect(error.message).toBe(
      'interrupted by SIGINT before tier "development": reference finished (their rows are kept); nothing later ran.',
    );
    expect(exitCodeFor(error)).toBe(130);
  });
});

describe("runSeed quotes the database's error, not its wrapper", () => {
  it("unwraps Drizzle's 'Failed query' error to PostgreSQL's message, SQLSTATE and table, without the query", async () => {
    const database = Object.assign(new Error('duplicate key value violates unique constraint "ai_model_pkey"'), {
      code: "23505",
      table: "ai_model",
    });
    const wrapped = new Error(
      `Failed query: insert into "ai_model" ${"($1) ".repeat(5_000)}\nparams: ${"x,".repeat(5_000)}`,
      {
        cause: database,
      },
    );
    const failing: SeedTier<null> = {
      name: "broken",
      description: "fails",
      environments: ALL_ENVIRONMENTS,
      run: async () => {
        throw wrapped;
      },
    };
    const error = await refusal(
      runSeed({ tiers: [failing], context: null, nodeEnv: "test", readDatabaseEnvironment: async () => null }),
    );
    expect(error.message).toBe(
      'Seed tier "broken" failed on table ai_model (SQLSTATE 23505): duplicate key value violates unique constraint "ai_model_pkey".',
    );
  });

  it("caps a long message that has no database error under it", async () => {
    const failing: SeedTier<null> = {
      name: "broken",
      description: "fails",
      environments: ALL_ENVIRONMENTS,
      run: async () => {
        throw new Error("y".repeat(10_000));
      },
    };
    const error = await refusal(
      runSeed({ tiers: [failing], context: null, nodeEnv: "test", readDatabaseEnvironment: async () => null }),
    );
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).toContain("(9500 more characters)");
  });
});

describe("helpers", () => {
  it("sums counts per table in first-seen order", () => {
    expect(
      sumCounts([
        tableCount("b", { inserted: 1 }),
        tableCount("a", { present: 2 }),
        tableCount("b", { present: 3, updated: 1 }),
      ]),
    ).toEqual([
      { table: "b", inserted: 1, updated: 1, present: 3 },
      { table: "a", inserted: 0, updated: 0, present: 2 },
    ]);
  });

  it("quotes the database name and value of the marker statement", () => {
    expect(markDatabaseEnvironmentSql('odd"name', "it's")).toBe(
      `ALTER DATABASE "odd""name" SET app.environment = 'it''s'`,
    );
  });
});
