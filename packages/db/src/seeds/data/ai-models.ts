/**
 * The AI model registry and its published prices: the reference tier's data.
 *
 * How prices change: never edit a price in place. When a provider publishes a new price, add a
 * new entry for the same pricing type and unit with the date it takes effect (`effectiveFrom`),
 * its source page and the day you read it there (`sourceDate`), and keep the old entry. The
 * reference tier inserts the new row and keeps the old one, so usage stays billed at the price
 * in force when it happened. An entry whose price differs from the database row with the same
 * date is refused (see docs/seed-data.md).
 *
 * Provenance: these values were recorded on 2026-11-21 from the providers' pricing pages as the
 * author knew them; this machine has no network access to re-read the pages. Values marked
 * UNVERIFIED below must be checked against the source before they are used for billing.
 */
import type { aiPricingTypeEnum, aiPricingUnitEnum, aiProviderEnum } from "../../schema/ai.ts";

/** One published price of a model. Amounts are decimal strings in USD (no float rounding). */
export interface ModelPriceSeed {
  pricingType: (typeof aiPricingTypeEnum.enumValues)[number];
  unit: (typeof aiPricingUnitEnum.enumValues)[number];
  priceUsd: string;
  /** The day (UTC) the price takes effect, `YYYY-MM-DD`. */
  effectiveFrom: string;
  /** The page the price was published on. */
  source: string;
  /** The day the price was read on that page, `YYYY-MM-DD`. */
  sourceDate: string;
}

/** One model of the registry with its price history. */
export interface ModelSeed {
  id: string;
  provider: (typeof aiProviderEnum.enumValues)[number];
  providerModelId: string;
  displayName: string;
  family: string;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  supportsBatch: boolean;
  isEmbedding: boolean;
  embeddingDimensions: number | null;
  isActive: boolean;
  prices: ModelPriceSeed[];
}

const ANTHROPIC_PRICING = "https://docs.claude.com/en/docs/about-claude/pricing";
const GEMINI_PRICING = "https://ai.google.dev/gemini-api/docs/pricing";
const RECORDED = "2026-11-21";

/** Anthropic's standard price list for one model: per million tokens, from one date. */
function anthropicPrices(
  effectiveFrom: string,
  perMillion: {
    input: string;
    output: string;
    cacheWrite: string;
    cacheRead: string;
    batchInput: string;
    batchOutput: string;
  },
): ModelPriceSeed[] {
  const price = (pricingType: ModelPriceSeed["pricingType"], priceUsd: string): ModelPriceSeed => ({
    pricingType,
    unit: "per_1m_tokens",
    priceUsd,
    effectiveFrom,
    source: ANTHROPIC_PRICING,
    sourceDate: RECORDED,
  });
  return [
    price("input", perMillion.input),
    price("output", perMillion.output),
    // Cache writes: the 5-minute cache, 1.25 x input. Cache reads: 0.1 x input.
    price("cache_write", perMillion.cacheWrite),
    price("cache_read", perMillion.cacheRead),
    // Message Batches API: 50 % of the standard price.
    price("batch_input", perMillion.batchInput),
    price("batch_output", perMillion.batchOutput),
    // Server tools, billed on top of tokens: web search $10 per 1,000 searches; code execution
    // $0.05 per container-hour beyond the daily free hours. Web fetch has no charge beyond tokens,
    // so it has no row.
    { ...price("tool_web_search", "0.010000"), unit: "per_call" },
    { ...price("tool_code_execution", "0.050000"), unit: "per_hour" },
  ];
}

/** The four models the wiki names. */
export const AI_MODELS: ModelSeed[] = [
  {
    id: "claude-opus-4-6",
    provider: "anthropic",
    providerModelId: "claude-opus-4-6",
    displayName: "Claude Opus 4.6",
    family: "claude-opus",
    contextWindow: 200_000,
    // UNVERIFIED: Opus 4.6's maximum output as recalled (128K); Opus 4.5's was 64K.
    maxOutputTokens: 128_000,
    supportsBatch: true,
    isEmbedding: false,
    embeddingDimensions: null,
    isActive: true,
    // effectiveFrom: the model's launch day as recalled (UNVERIFIED). Long-context (>200K input,
    // 1M beta) prices are left out: not known with confidence.
    prices: anthropicPrices("2026-02-05", {
      input: "5.000000",
      output: "25.000000",
      cacheWrite: "6.250000",
      cacheRead: "0.500000",
      batchInput: "2.500000",
      batchOutput: "12.500000",
    }),
  },
  {
    id: "claude-sonnet-4-6",
    provider: "anthropic",
    providerModelId: "claude-sonnet-4-6",
    displayName: "Claude Sonnet 4.6",
    family: "claude-sonnet",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    supportsBatch: true,
    isEmbedding: false,
    embeddingDimensions: null,
    isActive: true,
    // effectiveFrom: the model's launch day as recalled (UNVERIFIED).
    prices: [
      ...anthropicPrices("2026-02-17", {
        input: "3.000000",
        output: "15.000000",
        cacheWrite: "3.750000",
        cacheRead: "0.300000",
        batchInput: "1.500000",
        batchOutput: "7.500000",
      }),
      // Prompts over 200K input tokens (1M-token context beta). UNVERIFIED for 4.6: these are
      // Sonnet 4 / 4.5's published long-context prices.
      {
        pricingType: "long_context_input",
        unit: "per_1m_tokens",
        priceUsd: "6.000000",
        effectiveFrom: "2026-02-17",
        source: ANTHROPIC_PRICING,
        sourceDate: RECORDED,
      },
      {
        pricingType: "long_context_output",
        unit: "per_1m_tokens",
        priceUsd: "22.500000",
        effectiveFrom: "2026-02-17",
        source: ANTHROPIC_PRICING,
        sourceDate: RECORDED,
      },
    ],
  },
  {
    id: "claude-haiku-4-5",
    provider: "anthropic",
    providerModelId: "claude-haiku-4-5",
    displayName: "Claude Haiku 4.5",
    family: "claude-haiku",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    supportsBatch: true,
    isEmbedding: false,
    embeddingDimensions: null,
    isActive: true,
    // Launched 2025-10-15.
    prices: anthropicPrices("2025-10-15", {
      input: "1.000000",
      output: "5.000000",
      cacheWrite: "1.250000",
      cacheRead: "0.100000",
      batchInput: "0.500000",
      batchOutput: "2.500000",
    }),
  },
  {
    id: "gemini-embedding-2",
    provider: "google",
    // UNVERIFIED: the API model id as recalled.
    providerModelId: "gemini-embedding-2",
    displayName: "Gemini Embedding 2",
    family: "gemini-embedding",
    // Input limit not known with confidence: left empty rather than guessed.
    contextWindow: null,
    maxOutputTokens: null,
    supportsBatch: true,
    isEmbedding: true,
    // Trovella requests 1536-dimension vectors (Matryoshka truncation), matching document_chunk.
    embeddingDimensions: 1536,
    isActive: true,
    // UNVERIFIED: $0.15 / $0.075 (batch) per million input tokens are the published prices of
    // gemini-embedding-001; Gemini Embedding 2's own text price was not confirmed. Embeddings have
    // no output tokens. effectiveFrom is the day recorded, as the launch day is not known here.
    prices: [
      {
        pricingType: "input",
        unit: "per_1m_tokens",
        priceUsd: "0.150000",
        effectiveFrom: RECORDED,
        source: GEMINI_PRICING,
        sourceDate: RECORDED,
      },
      {
        pricingType: "batch_input",
        unit: "per_1m_tokens",
        priceUsd: "0.075000",
        effectiveFrom: RECORDED,
        source: GEMINI_PRICING,
        sourceDate: RECORDED,
      },
    ],
  },
];
