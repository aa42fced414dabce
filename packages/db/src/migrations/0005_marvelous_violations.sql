CREATE TYPE "public"."skill_execution_status" AS ENUM('running', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "skill_execution" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"plan_id" text,
	"step_id" text,
	"skill_name" text NOT NULL,
	"status" "skill_execution_status" DEFAULT 'running' NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "skill_execution" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "skill_execution" ADD CONSTRAINT "skill_execution_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skill_execution" ADD CONSTRAINT "skill_execution_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skill_execution" ADD CONSTRAINT "skill_execution_step_id_plan_step_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."plan_step"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "skill_execution_organizationId_idx" ON "skill_execution" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "skill_execution_planId_idx" ON "skill_execution" USING btree ("plan_id");--> statement-breakpoint
CREATE POLICY "skill_execution_select" ON "skill_execution" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "skill_execution_insert" ON "skill_execution" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "skill_execution_update" ON "skill_execution" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
CREATE POLICY "skill_execution_delete" ON "skill_execution" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));