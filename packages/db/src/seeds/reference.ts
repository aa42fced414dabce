/**
 * The reference tier: the AI model registry and its price history. Runs in every environment,
 * production included, on the bare connection (the registry is global: tenants may only read it).
 *
 * Models are inserted, or updated when a descriptive field changed. Prices are history: a price
 * with a new effective date is a new row, existing rows are never changed, and a price that
 * contradicts the row with the same date is refused.
 */
import { inArray } from "drizzle-orm";
import { SeedError, type SeedTableCount, tableCount } from "@repo/migrator";
import type { Database } from "../client.ts";
import { aiModel, aiModelPricing } from "../schema/ai.ts";
import { AI_MODELS, type ModelPriceSeed, type ModelSeed } from "./data/ai-models.ts";

type PricingRow = typeof aiModelPricing.$inferSelect;

/** The deterministic id of a price row: model, type, unit and effective day. */
function pricingRowId(modelId: string, price: Pick<ModelPriceSeed, "pricingType" | "unit" | "effectiveFrom">): string {
  return `${modelId}:${price.pricingType}:${price.unit}:${price.effectiveFrom}`;
}

function utcDay(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

const MODEL_FIELDS = [
  "provider",
  "providerModelId",
  "displayName",
  "family",
  "contextWindow",
  "maxOutputTokens",
  "supportsBatch",
  "isEmbedding",
  "embeddingDimensions",
  "isActive",
] as const;

function modelValues(model: ModelSeed) {
  return Object.fromEntries(MODEL_FIELDS.map((field) => [field, model[field]])) as Pick<
    ModelSeed,
    (typeof MODEL_FIELDS)[number]
  >;
}

/**
 * Writes the registry (`models`, default: `seeds/data/ai-models.ts`) in one transaction and
 * returns the counts for `ai_model` and `ai_model_pricing`.
 */
export async function seedReferenceData(
  db: Database,
  models: readonly ModelSeed[] = AI_MODELS,
): Promise<SeedTableCount[]> {
  return db.transaction(async (tx) => {
    const ids = models.map((model) => model.id);
    const modelCount = tableCount("ai_model");
    const existingModels = new Map(
      (await tx.select().from(aiModel).where(inArray(aiModel.id, ids))).map((row) => [row.id, row]),
    );
    for (const model of models) {
      const values = modelValues(model);
      const existing = existingModels.get(model.id);
      if (!existing) {
        await tx.insert(aiModel).values({ id: model.id, ...values });
        modelCount.inserted += 1;
      } else if (MODEL_FIELDS.some((field) => existing[field] !== values[field])) {
        await tx
          .update(aiModel)
          .set(values)
          .where(inArray(aiModel.id, [model.id]));
        modelCount.updated += 1;
      } else {
        modelCount.present += 1;
      }
    }

    const priceCount = tableCount("ai_model_pricing");
    const history = await tx.select().from(aiModelPricing).where(inArray(aiModelPricing.modelId, ids));
    for (const model of models) {
      const prices = [...model.prices].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
      for (const price of prices) {
        const row = pricingRow(model.id, price, history);
        if (row === "present") {
          priceCount.present += 1;
          continue;
        }
        await tx.insert(aiModelPricing).values(row);
        history.push({ ...row, createdAt: new Date(), updatedAt: new Date() });
        priceCount.inserted += 1;
      }
    }
    return [modelCount, priceCount];
  });
}

/**
 * Decides what one price entry means against the stored history: `present` (the same price is
 * already recorded, or already in force on that day), a new row to insert, or a `SeedError` when
 * the entry would rewrite a recorded price.
 */
function pricingRow(modelId: string, price: ModelPriceSeed, history: PricingRow[]) {
  const effectiveFrom = utcDay(price.effectiveFrom);
  const sameSeries = history.filter(
    (row) => row.modelId === modelId && row.pricingType === price.pricingType && row.unit === price.unit,
  );
  const sameDay = sameSeries.find((row) => row.effectiveFrom.getTime() === effectiveFrom.getTime());
  if (sameDay) {
    if (Number(sameDay.priceUsd) === Number(price.priceUsd)) return "present" as const;
    throw new SeedError({
      code: "invalid-data",
      tier: "reference",
      message:
        `ai_model_pricing ${pricingRowId(modelId, price)}: the database records ${sameDay.priceUsd} USD ${price.unit} ` +
        `from ${price.effectiveFrom}, but seeds/data/ai-models.ts now says ${price.priceUsd}. A recorded price is never rewritten.`,
      fix:
        `Restore ${sameDay.priceUsd} for ${price.effectiveFrom} and add a new entry with the new price and the date it takes ` +
        "effect (effectiveFrom); the old row stays for usage billed before that date.",
    });
  }
  const inForce = sameSeries
    .filter((row) => row.effectiveFrom.getTime() < effectiveFrom.getTime())
    .sort((a, b) => b.effectiveFrom.getTime() - a.effectiveFrom.getTime())[0];
  if (inForce && Number(inForce.priceUsd) === Number(price.priceUsd)) return "present" as const;
  return {
    id: pricingRowId(modelId, price),
    modelId,
    pricingType: price.pricingType,
    unit: price.unit,
    priceUsd: price.priceUsd,
    effectiveFrom,
    source: price.source,
    sourceDate: price.sourceDate,
  };
}
