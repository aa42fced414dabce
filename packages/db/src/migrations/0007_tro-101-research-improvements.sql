-- TRO-101: research outputs, feedback, extraction results and the MCP tool call log; plan_step
-- gains dependencies, attempts and timing. Guards (IF NOT EXISTS, DO ... duplicate_object) added by
-- hand so the migration can run again without error.
CREATE TABLE IF NOT EXISTS "mcp_tool_call_log" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text,
	"token_id" text,
	"tool_name" text NOT NULL,
	"arguments" jsonb,
	"result_summary" text,
	"is_error" boolean DEFAULT false NOT NULL,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "mcp_tool_call_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "extraction_result" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text NOT NULL,
	"step_id" text,
	"source_artifact_id" text,
	"extraction_schema" jsonb,
	"data" jsonb NOT NULL,
	"confidence" real
);
--> statement-breakpoint
ALTER TABLE "extraction_result" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "research_feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text NOT NULL,
	"output_id" text,
	"user_id" text,
	"rating" smallint NOT NULL,
	"comment" text
);
--> statement-breakpoint
ALTER TABLE "research_feedback" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "research_output" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text NOT NULL,
	"format" text NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"is_final" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
ALTER TABLE "research_output" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "depends_on" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "attempt_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plan_step" ADD COLUMN IF NOT EXISTS "completed_at" timestamp with time zone;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "mcp_tool_call_log" ADD CONSTRAINT "mcp_tool_call_log_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "mcp_tool_call_log" ADD CONSTRAINT "mcp_tool_call_log_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "mcp_tool_call_log" ADD CONSTRAINT "mcp_tool_call_log_token_id_personal_access_token_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."personal_access_token"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_step_id_plan_step_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."plan_step"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_source_artifact_id_research_artifact_id_fk" FOREIGN KEY ("source_artifact_id") REFERENCES "public"."research_artifact"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_output_id_research_output_id_fk" FOREIGN KEY ("output_id") REFERENCES "public"."research_output"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_output" ADD CONSTRAINT "research_output_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "research_output" ADD CONSTRAINT "research_output_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "mcp_tool_call_log_organizationId_idx" ON "mcp_tool_call_log" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "mcp_tool_call_log_createdAt_idx" ON "mcp_tool_call_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "extraction_result_organizationId_idx" ON "extraction_result" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "extraction_result_planId_idx" ON "extraction_result" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "research_feedback_organizationId_idx" ON "research_feedback" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "research_feedback_planId_idx" ON "research_feedback" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "research_output_organizationId_idx" ON "research_output" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "research_output_planId_version_idx" ON "research_output" USING btree ("plan_id","version");--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "mcp_tool_call_log_select" ON "mcp_tool_call_log" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "mcp_tool_call_log_insert" ON "mcp_tool_call_log" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "mcp_tool_call_log_update" ON "mcp_tool_call_log" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "mcp_tool_call_log_delete" ON "mcp_tool_call_log" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "extraction_result_select" ON "extraction_result" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "extraction_result_insert" ON "extraction_result" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "extraction_result_update" ON "extraction_result" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "extraction_result_delete" ON "extraction_result" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_feedback_select" ON "research_feedback" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_feedback_insert" ON "research_feedback" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_feedback_update" ON "research_feedback" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_feedback_delete" ON "research_feedback" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_output_select" ON "research_output" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_output_insert" ON "research_output" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_output_update" ON "research_output" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "research_output_delete" ON "research_output" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;