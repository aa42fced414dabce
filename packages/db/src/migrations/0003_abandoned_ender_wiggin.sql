CREATE TYPE "public"."ai_pricing_type" AS ENUM('input', 'output', 'cache_write', 'cache_read', 'batch_input', 'batch_output', 'batch_cache_write', 'batch_cache_read', 'long_context_input', 'long_context_output', 'tool_code_execution', 'tool_web_search', 'tool_web_fetch');--> statement-breakpoint
CREATE TYPE "public"."ai_pricing_unit" AS ENUM('per_1m_tokens', 'per_call', 'per_hour');--> statement-breakpoint
CREATE TYPE "public"."ai_provider" AS ENUM('anthropic', 'openai', 'google');--> statement-breakpoint
CREATE TABLE "ai_model" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" "ai_provider" NOT NULL,
	"provider_model_id" text NOT NULL,
	"display_name" text NOT NULL,
	"family" text,
	"context_window" integer,
	"max_output_tokens" integer,
	"supports_batch" boolean DEFAULT false NOT NULL,
	"is_embedding" boolean DEFAULT false NOT NULL,
	"embedding_dimensions" integer,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ai_model_pricing" (
	"id" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"pricing_type" "ai_pricing_type" NOT NULL,
	"unit" "ai_pricing_unit" NOT NULL,
	"price_usd" numeric(14, 6) NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"source_date" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ai_model_pricing" ADD CONSTRAINT "ai_model_pricing_model_id_ai_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."ai_model"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ai_model_provider_providerModelId_idx" ON "ai_model" USING btree ("provider","provider_model_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ai_model_pricing_model_type_unit_effective_idx" ON "ai_model_pricing" USING btree ("model_id","pricing_type","unit","effective_from");--> statement-breakpoint
-- Manual addition: the model registry is reference data; tenants may read it, never change it.
REVOKE INSERT, UPDATE, DELETE ON "ai_model", "ai_model_pricing" FROM "authenticated";
