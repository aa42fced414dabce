-- TRO-58: Add correlationId and embeddingCount to ai_usage
ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "correlation_id" uuid
DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "ai_usage" ADD COLUMN IF NOT EXISTS "embedding_count" integer;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ai_usage_correlationId_idx"
ON "ai_usage" USING btree ("correlation_id");
