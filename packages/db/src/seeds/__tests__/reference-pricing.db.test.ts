import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeedError } from "@repo/migrator";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database.ts";
import { AI_MODELS, type ModelSeed } from "../data/ai-models.ts";
import { seedReferenceData } from "../reference.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

/** A deep copy of the registry data, to edit without touching the real file. */
function registryCopy(): ModelSeed[] {
  return structuredClone(AI_MODELS);
}

async function sonnetInputHistory() {
  return t.driver.query<{ id: string; price_usd: string; effective_from: string }>(
    `select id, price_usd::text, to_char(effective_from at time zone 'UTC', 'YYYY-MM-DD') as effective_from
       from ai_model_pricing where model_id = 'claude-sonnet-4-6' and pricing_type = 'input' order by effective_from`,
  );
}

async function pricingRows(): Promise<number> {
  const [row] = await t.driver.query<{ n: number }>("select count(*)::int as n from ai_model_pricing");
  return row!.n;
}

describe("reference tier: the price history rule", () => {
  it("records a changed price as a new row from its effective date, keeps the old one, and changes nothing on a third run", async () => {
    await seedReferenceData(t.db);
    const before = await pricingRows();

    const changed = registryCopy();
    const sonnet = changed.find((m) => m.id === "claude-sonnet-4-6")!;
    const current = sonnet.prices.find((p) => p.pricingType === "input")!;
    sonnet.prices.push({ ...current, priceUsd: "2.500000", effectiveFrom: "2027-01-01", sourceDate: "2026-12-15" });

    const second = await seedReferenceData(t.db, changed);
    expect(second.find((c) => c.table === "ai_model_pricing")).toMatchObject({
      inserted: 1,
      updated: 0,
      present: before,
    });
    expect(await sonnetInputHistory()).toEqual([
      {
        id: `claude-sonnet-4-6:input:per_1m_tokens:${current.effectiveFrom}`,
        price_usd: current.priceUsd,
        effective_from: current.effectiveFrom,
      },
      { id: "claude-sonnet-4-6:input:per_1m_tokens:2027-01-01", price_usd: "2.500000", effective_from: "2027-01-01" },
    ]);

    const third = await seedReferenceData(t.db, changed);
    expect(third.find((c) => c.table === "ai_model_pricing")).toMatchObject({
      inserted: 0,
      updated: 0,
      present: before + 1,
    });
    expect(await pricingRows()).toBe(before + 1);
  });

  it("keeps history when the data file drops an old price (it only ever adds rows)", async () => {
    const before = await pricingRows();
    await seedReferenceData(t.db, AI_MODELS);
    expect(await pricingRows()).toBe(before);
    expect((await sonnetInputHistory()).map((row) => row.price_usd)).toEqual(["3.000000", "2.500000"]);
  });

  it("refuses to rewrite a recorded price in place, says how to fix it, and writes nothing", async () => {
    const before = await pricingRows();
    const rewritten = registryCopy();
    rewritten.find((m) => m.id === "claude-haiku-4-5")!.prices.find((p) => p.pricingType === "output")!.priceUsd =
      "4.000000";
    rewritten.push({
      ...structuredClone(AI_MODELS[0]!),
      id: "claude-test-model",
      providerModelId: "claude-test-model",
    });

    const error = await seedReferenceData(t.db, rewritten).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SeedError);
    expect((error as SeedError).toJSON()).toMatchObject({ code: "invalid-data", tier: "reference" });
    expect((error as SeedError).message).toBe(
      "ai_model_pricing claude-haiku-4-5:output:per_1m_tokens:2025-10-15: the database records 5.000000 USD per_1m_tokens " +
        "from 2025-10-15, but seeds/data/ai-models.ts now says 4.000000. A recorded price is never rewritten.",
    );
    expect((error as SeedError).fix).toContain("add a new entry with the new price and the date it takes effect");
    expect(await pricingRows()).toBe(before);
    expect(await t.driver.query("select id from ai_model where id = 'claude-test-model'")).toEqual([]);
  });

  it("updates a model's descriptive fields in place (they are not history)", async () => {
    const renamed = registryCopy();
    renamed.find((m) => m.id === "claude-haiku-4-5")!.displayName = "Claude Haiku 4.5 (renamed)";
    const counts = await seedReferenceData(t.db, renamed);
    expect(counts.find((c) => c.table === "ai_model")).toEqual({
      table: "ai_model",
      inserted: 0,
      updated: 1,
      present: AI_MODELS.length - 1,
    });
    expect(await t.driver.query("select display_name from ai_model where id = 'claude-haiku-4-5'")).toEqual([
      { display_name: "Claude Haiku 4.5 (renamed)" },
    ]);
  });
});
