/**
 * AI: the global model registry with its price history (reference data, no tenant), and the
 * tenant-scoped batch and usage tracking that bills against it.
 */
import { relations } from "drizzle-orm";
import {
  boolean,
  jsonb,
  date,
  index,
  integer,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { user } from "./auth.ts";
import { baseColumns, tenantColumns, tenantKey, tenantPolicies, tenantReference } from "./base.ts";
import { researchPlan } from "./research.ts";

export const aiProviderEnum = pgEnum("ai_provider", ["anthropic", "openai", "google"]);

export const aiPricingTypeEnum = pgEnum("ai_pricing_type", [
  "input",
  "output",
  "cache_write",
  "cache_read",
  "batch_input",
  "batch_output",
  "batch_cache_write",
  "batch_cache_read",
  "long_context_input",
  "long_context_output",
  "tool_code_execution",
  "tool_web_search",
  "tool_web_fetch",
]);

export const aiBatchStatusEnum = pgEnum("ai_batch_status", [
  "pending",
  "processing",
  "ended",
  "canceling",
  "canceled",
  "expired",
]);

export const aiStopReasonEnum = pgEnum("ai_stop_reason", [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "error",
]);

export const aiPricingUnitEnum = pgEnum("ai_pricing_unit", ["per_1m_tokens", "per_call", "per_hour"]);

/** A model Trovella can call. Global reference data: readable by every tenant, seeded. */
export const aiModel = pgTable(
  "ai_model",
  {
    /** Stable registry id, e.g. `claude-sonnet-4-6`. */
    id: text("id").primaryKey(),
    provider: aiProviderEnum("provider").notNull(),
    /** The id the provider's API expects. */
    providerModelId: text("provider_model_id").notNull(),
    displayName: text("display_name").notNull(),
    family: text("family"),
    contextWindow: integer("context_window"),
    maxOutputTokens: integer("max_output_tokens"),
    supportsBatch: boolean("supports_batch").default(false).notNull(),
    isEmbedding: boolean("is_embedding").default(false).notNull(),
    embeddingDimensions: integer("embedding_dimensions"),
    isActive: boolean("is_active").default(true).notNull(),
    ...baseColumns,
  },
  (t) => [uniqueIndex("ai_model_provider_providerModelId_idx").on(t.provider, t.providerModelId)],
);

/**
 * A model's price for one pricing type and unit, valid from `effective_from` until the next row
 * for the same (model, type, unit). Prices are never updated in place: a change is a new row.
 */
export const aiModelPricing = pgTable(
  "ai_model_pricing",
  {
    id: text("id").primaryKey(),
    modelId: text("model_id")
      .notNull()
      .references(() => aiModel.id, { onDelete: "cascade" }),
    pricingType: aiPricingTypeEnum("pricing_type").notNull(),
    unit: aiPricingUnitEnum("unit").notNull(),
    priceUsd: numeric("price_usd", { precision: 14, scale: 6 }).notNull(),
    effectiveFrom: timestamp("effective_from", { withTimezone: true }).notNull(),
    /** Where the price was published, and the day it was read there. */
    source: text("source").notNull(),
    sourceDate: date("source_date").notNull(),
    ...baseColumns,
  },
  (t) => [
    uniqueIndex("ai_model_pricing_model_type_unit_effective_idx").on(t.modelId, t.pricingType, t.unit, t.effectiveFrom),
  ],
);

/**
 * A provider batch job. `user_id` has no ON DELETE action on purpose: a user cannot be deleted
 * while their batches exist (the wiki's rule), and usage rows are billed against the batch.
 */
export const aiBatch = pgTable(
  "ai_batch",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    userId: text("user_id")
      .notNull()
      .references(() => user.id),
    modelId: text("model_id")
      .notNull()
      .references(() => aiModel.id),
    providerBatchId: text("provider_batch_id"),
    status: aiBatchStatusEnum("status").default("pending").notNull(),
    requestCount: integer("request_count").default(0).notNull(),
    succeededCount: integer("succeeded_count").default(0).notNull(),
    failedCount: integer("failed_count").default(0).notNull(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [
    ...tenantPolicies("ai_batch"),
    index("ai_batch_organizationId_idx").on(t.organizationId),
    tenantKey("ai_batch", t),
  ],
).enableRLS();

/**
 * One billed AI call. Its references to the user, model and batch have no ON DELETE action on
 * purpose: usage must survive for billing, so those rows cannot be deleted while usage exists.
 */
export const aiUsage = pgTable(
  "ai_usage",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    userId: text("user_id").references(() => user.id),
    modelId: text("model_id")
      .notNull()
      .references(() => aiModel.id),
    batchId: text("batch_id"),
    planId: text("plan_id"),
    /** What the call was for, e.g. `research.plan`, `search.embed`. */
    operation: text("operation").notNull(),
    inputTokens: integer("input_tokens").default(0).notNull(),
    outputTokens: integer("output_tokens").default(0).notNull(),
    cacheWriteTokens: integer("cache_write_tokens").default(0).notNull(),
    cacheReadTokens: integer("cache_read_tokens").default(0).notNull(),
    costUsd: numeric("cost_usd", { precision: 14, scale: 6 }).notNull(),
    stopReason: aiStopReasonEnum("stop_reason"),
    latencyMs: integer("latency_ms"),
    /** Ties together the calls of one logical operation across services (TRO-58). */
    correlationId: uuid("correlation_id").defaultRandom().notNull(),
    /** Number of embeddings produced, for embedding calls. */
    embeddingCount: integer("embedding_count"),
  },
  (t) => [
    tenantReference("ai_usage", t, t.planId, researchPlan).onDelete("set null"),
    tenantReference("ai_usage", t, t.batchId, aiBatch),
    ...tenantPolicies("ai_usage"),
    index("ai_usage_organizationId_idx").on(t.organizationId),
    tenantKey("ai_usage", t),
    index("ai_usage_createdAt_idx").on(t.createdAt),
    index("ai_usage_correlationId_idx").on(t.correlationId),
    // A tenant's latest usage (the usage page, the cost views) reads it newest first: without this
    // index the planner walks created_at for every tenant and filters (pnpm bench, tenant scale).
    // Ascending on purpose: `ORDER BY created_at DESC` means NULLS FIRST, which an ascending index
    // serves scanned backwards; Drizzle's `.desc()` writes DESC NULLS LAST, which it cannot (0012).
    index("ai_usage_tenant_latest_idx").on(t.organizationId, t.createdAt),
  ],
).enableRLS();

/** The request and response of a usage row (1:1), kept apart because they are large. */
export const aiCallDetails = pgTable(
  "ai_call_details",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    usageId: text("usage_id").notNull().unique(),
    request: jsonb("request").$type<Record<string, unknown>>(),
    response: jsonb("response").$type<Record<string, unknown>>(),
    error: text("error"),
  },
  (t) => [
    tenantReference("ai_call_details", t, t.usageId, aiUsage).onDelete("cascade"),
    ...tenantPolicies("ai_call_details"),
    index("ai_call_details_organizationId_idx").on(t.organizationId),
  ],
).enableRLS();

export const aiModelRelations = relations(aiModel, ({ many }) => ({
  pricing: many(aiModelPricing),
}));

export const aiModelPricingRelations = relations(aiModelPricing, ({ one }) => ({
  model: one(aiModel, { fields: [aiModelPricing.modelId], references: [aiModel.id] }),
}));

export const aiBatchRelations = relations(aiBatch, ({ one, many }) => ({
  user: one(user, { fields: [aiBatch.userId], references: [user.id] }),
  model: one(aiModel, { fields: [aiBatch.modelId], references: [aiModel.id] }),
  usage: many(aiUsage),
}));

export const aiUsageRelations = relations(aiUsage, ({ one }) => ({
  user: one(user, { fields: [aiUsage.userId], references: [user.id] }),
  model: one(aiModel, { fields: [aiUsage.modelId], references: [aiModel.id] }),
  batch: one(aiBatch, { fields: [aiUsage.batchId], references: [aiBatch.id] }),
  plan: one(researchPlan, { fields: [aiUsage.planId], references: [researchPlan.id] }),
  details: one(aiCallDetails, { fields: [aiUsage.id], references: [aiCallDetails.usageId] }),
}));

export const aiCallDetailsRelations = relations(aiCallDetails, ({ one }) => ({
  usage: one(aiUsage, { fields: [aiCallDetails.usageId], references: [aiUsage.id] }),
}));
