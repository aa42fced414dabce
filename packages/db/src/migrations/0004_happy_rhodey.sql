CREATE TYPE "public"."plan_audit_event_type" AS ENUM('step_started', 'step_completed', 'step_failed', 'plan_modified', 'user_reviewed', 'session_resumed', 'skill_started', 'skill_completed', 'skill_failed');--> statement-breakpoint
CREATE TYPE "public"."plan_step_status" AS ENUM('pending', 'in_progress', 'awaiting_input', 'completed', 'skipped', 'failed');--> statement-breakpoint
CREATE TYPE "public"."plan_step_type" AS ENUM('search', 'extract', 'analyze', 'critique', 'synthesize', 'checkpoint', 'custom');--> statement-breakpoint
CREATE TYPE "public"."research_plan_status" AS ENUM('planning', 'executing', 'awaiting_review', 'stalled', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "plan_audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text NOT NULL,
	"step_id" text,
	"user_id" text,
	"event_type" "plan_audit_event_type" NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
ALTER TABLE "plan_audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "plan_step" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text NOT NULL,
	"position" integer NOT NULL,
	"step_type" "plan_step_type" NOT NULL,
	"status" "plan_step_status" DEFAULT 'pending' NOT NULL,
	"title" text NOT NULL,
	"instructions" text,
	"result" jsonb,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "plan_step" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "research_artifact" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text,
	"step_id" text,
	"artifact_type" text NOT NULL,
	"title" text NOT NULL,
	"content" text,
	"media_type" text,
	"source_url" text,
	"metadata" jsonb
);
--> statement-breakpoint
ALTER TABLE "research_artifact" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "research_plan" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text,
	"title" text NOT NULL,
	"question" text NOT NULL,
	"status" "research_plan_status" DEFAULT 'planning' NOT NULL,
	"summary" text,
	"metadata" jsonb,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "research_plan" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_step_id_plan_step_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."plan_step"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_artifact" ADD CONSTRAINT "research_artifact_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_artifact" ADD CONSTRAINT "research_artifact_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_artifact" ADD CONSTRAINT "research_artifact_step_id_plan_step_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."plan_step"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "plan_audit_log_organizationId_idx" ON "plan_audit_log" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "plan_audit_log_planId_idx" ON "plan_audit_log" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "plan_step_organizationId_idx" ON "plan_step" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "plan_step_planId_position_idx" ON "plan_step" USING btree ("plan_id","position");--> statement-breakpoint
CREATE INDEX "research_artifact_organizationId_idx" ON "research_artifact" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "research_artifact_planId_idx" ON "research_artifact" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "research_plan_organizationId_idx" ON "research_plan" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "research_plan_userId_idx" ON "research_plan" USING btree ("user_id");--> statement-breakpoint
CREATE POLICY "plan_audit_log_select" ON "plan_audit_log" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_audit_log_insert" ON "plan_audit_log" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_audit_log_update" ON "plan_audit_log" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_audit_log_delete" ON "plan_audit_log" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_step_select" ON "plan_step" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_step_insert" ON "plan_step" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_step_update" ON "plan_step" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "plan_step_delete" ON "plan_step" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_artifact_select" ON "research_artifact" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_artifact_insert" ON "research_artifact" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_artifact_update" ON "research_artifact" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_artifact_delete" ON "research_artifact" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_plan_select" ON "research_plan" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_plan_insert" ON "research_plan" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_plan_update" ON "research_plan" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "research_plan_delete" ON "research_plan" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));