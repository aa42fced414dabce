CREATE TYPE "public"."ai_batch_status" AS ENUM('pending', 'processing', 'ended', 'canceling', 'canceled', 'expired');--> statement-breakpoint
CREATE TYPE "public"."ai_stop_reason" AS ENUM('end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'error');--> statement-breakpoint
CREATE TABLE "ai_batch" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"model_id" text NOT NULL,
	"provider_batch_id" text,
	"status" "ai_batch_status" DEFAULT 'pending' NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"succeeded_count" integer DEFAULT 0 NOT NULL,
	"failed_count" integer DEFAULT 0 NOT NULL,
	"submitted_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "ai_batch" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ai_call_details" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"usage_id" text NOT NULL,
	"request" jsonb,
	"response" jsonb,
	"error" text,
	CONSTRAINT "ai_call_details_usage_id_unique" UNIQUE("usage_id")
);
--> statement-breakpoint
ALTER TABLE "ai_call_details" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ai_usage" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text,
	"model_id" text NOT NULL,
	"batch_id" text,
	"plan_id" text,
	"operation" text NOT NULL,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cache_write_tokens" integer DEFAULT 0 NOT NULL,
	"cache_read_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(14, 6) NOT NULL,
	"stop_reason" "ai_stop_reason",
	"latency_ms" integer
);
--> statement-breakpoint
ALTER TABLE "ai_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- review-ignore fk-on-delete: a batch is billed usage; deleting a user must not erase it (usage survives for billing)
ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- review-ignore fk-on-delete: models are retired with is_active, never deleted, while batches reference them for billing
ALTER TABLE "ai_batch" ADD CONSTRAINT "ai_batch_model_id_ai_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."ai_model"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_call_details" ADD CONSTRAINT "ai_call_details_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_call_details" ADD CONSTRAINT "ai_call_details_usage_id_ai_usage_id_fk" FOREIGN KEY ("usage_id") REFERENCES "public"."ai_usage"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- review-ignore fk-on-delete: usage must survive for billing; deleting a user must not erase it
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- review-ignore fk-on-delete: usage must survive for billing; models are retired with is_active, never deleted
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_model_id_ai_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."ai_model"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- review-ignore fk-on-delete: usage must survive for billing; a batch is never deleted while its usage exists
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_batch_id_ai_batch_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."ai_batch"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ai_batch_organizationId_idx" ON "ai_batch" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "ai_call_details_organizationId_idx" ON "ai_call_details" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "ai_usage_organizationId_idx" ON "ai_usage" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "ai_usage_createdAt_idx" ON "ai_usage" USING btree ("created_at");--> statement-breakpoint
CREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_batch_insert" ON "ai_batch" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_batch_update" ON "ai_batch" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_batch_delete" ON "ai_batch" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_call_details_select" ON "ai_call_details" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_call_details_insert" ON "ai_call_details" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_call_details_update" ON "ai_call_details" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_call_details_delete" ON "ai_call_details" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_usage_select" ON "ai_usage" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_usage_insert" ON "ai_usage" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_usage_update" ON "ai_usage" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "ai_usage_delete" ON "ai_usage" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));