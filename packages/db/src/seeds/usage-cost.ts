/**
 * The cost of an AI call from the registry's prices in force when it happened: tokens times the
 * per-million price of each token kind, batch prices for batch calls.
 */
import { and, eq, lte, desc } from "drizzle-orm";
import { SeedError } from "@repo/migrator";
import type { Transaction } from "../client.ts";
import { aiModelPricing } from "../schema/ai.ts";

export interface UsageTokens {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

const STANDARD = {
  inputTokens: "input",
  outputTokens: "output",
  cacheWriteTokens: "cache_write",
  cacheReadTokens: "cache_read",
} as const;
const BATCH = {
  inputTokens: "batch_input",
  outputTokens: "batch_output",
  cacheWriteTokens: "batch_cache_write",
  cacheReadTokens: "batch_cache_read",
} as const;

/**
 * Prices a call in USD (a decimal string with 6 places, as `ai_usage.cost_usd` stores it) from
 * the `per_1m_tokens` rows of `ai_model_pricing` in force at `at`. Throws `prerequisite-missing`
 * when a needed price is absent (the reference tier has not run, or the model has no such price).
 *
 * @example
 * await usageCost(tx, "claude-sonnet-4-6", { inputTokens: 1000, outputTokens: 500, cacheWriteTokens: 0, cacheReadTokens: 0 },
 *   { batch: false, at: new Date() }) // "0.010500" at $3 / $15 per million
 */
export async function usageCost(
  tx: Transaction,
  modelId: string,
  tokens: UsageTokens,
  options: { batch: boolean; at: Date },
): Promise<string> {
  const rows = await tx
    .select({ pricingType: aiModelPricing.pricingType, priceUsd: aiModelPricing.priceUsd })
    .from(aiModelPricing)
    .where(
      and(
        eq(aiModelPricing.modelId, modelId),
        eq(aiModelPricing.unit, "per_1m_tokens"),
        lte(aiModelPricing.effectiveFrom, options.at),
      ),
    )
    .orderBy(desc(aiModelPricing.effectiveFrom));
  const inForce = new Map<string, number>();
  for (const row of rows) if (!inForce.has(row.pricingType)) inForce.set(row.pricingType, Number(row.priceUsd));
  const types = options.batch ? BATCH : STANDARD;
  let microUsd = 0;
  for (const kind of Object.keys(types) as (keyof UsageTokens)[]) {
    const count = tokens[kind];
    if (count === 0) continue;
    const price = inForce.get(types[kind]);
    if (price === undefined) {
      throw new SeedError({
        code: "prerequisite-missing",
        message: `No ${types[kind]} price per million tokens for model ${modelId} in force at ${options.at.toISOString()} in ai_model_pricing.`,
        fix: "Run the reference tier first (pnpm db:seed --tier reference), or add the price to seeds/data/ai-models.ts.",
      });
    }
    microUsd += count * price;
  }
  return (Math.round(microUsd) / 1_000_000).toFixed(6);
}
