-- Manual addition: each foreign key between tenant tables becomes one to the referenced table's
-- (organization_id, id) key (0014), so a tenant's row can only point at its own tenant's rows:
-- the old keys were checked past RLS, so a row could point at another tenant's, whose delete then
-- changed or removed it, or was refused (db:rls cross-tenant-reference). The same columns and ON
-- DELETE; SET NULL names its column (PostgreSQL 15), which Drizzle Kit does not write, or it would
-- set organization_id to NULL too. NOT VALID here; 0016 validates the rows already there.
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "ai_call_details" DROP CONSTRAINT IF EXISTS "ai_call_details_usage_id_ai_usage_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "ai_usage" DROP CONSTRAINT IF EXISTS "ai_usage_batch_id_ai_batch_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "ai_usage" DROP CONSTRAINT IF EXISTS "ai_usage_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "extraction_result" DROP CONSTRAINT IF EXISTS "extraction_result_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "extraction_result" DROP CONSTRAINT IF EXISTS "extraction_result_step_id_plan_step_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "extraction_result" DROP CONSTRAINT IF EXISTS "extraction_result_source_artifact_id_research_artifact_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "plan_audit_log" DROP CONSTRAINT IF EXISTS "plan_audit_log_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "plan_audit_log" DROP CONSTRAINT IF EXISTS "plan_audit_log_step_id_plan_step_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "plan_step" DROP CONSTRAINT IF EXISTS "plan_step_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "research_artifact" DROP CONSTRAINT IF EXISTS "research_artifact_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "research_artifact" DROP CONSTRAINT IF EXISTS "research_artifact_step_id_plan_step_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "research_feedback" DROP CONSTRAINT IF EXISTS "research_feedback_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "research_feedback" DROP CONSTRAINT IF EXISTS "research_feedback_output_id_research_output_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "research_output" DROP CONSTRAINT IF EXISTS "research_output_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "skill_execution" DROP CONSTRAINT IF EXISTS "skill_execution_plan_id_research_plan_id_fk";
--> statement-breakpoint
-- review-ignore drop-statement: replaced below by the key paired with organization_id (same ON DELETE)
ALTER TABLE "skill_execution" DROP CONSTRAINT IF EXISTS "skill_execution_step_id_plan_step_id_fk";
--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "ai_call_details_usage_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "ai_call_details" ADD CONSTRAINT "ai_call_details_usage_id_tenant_fk" FOREIGN KEY ("organization_id","usage_id") REFERENCES "public"."ai_usage"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "ai_usage_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE SET NULL ("plan_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "ai_usage_batch_id_tenant_fk" is validated in the next migration.
-- review-ignore fk-on-delete: usage must survive for billing; a batch is never deleted while its usage exists (as 0006)
DO $$ BEGIN
  ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_batch_id_tenant_fk" FOREIGN KEY ("organization_id","batch_id") REFERENCES "public"."ai_batch"("organization_id","id") ON DELETE no action ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "extraction_result_source_artifact_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_source_artifact_id_tenant_fk" FOREIGN KEY ("organization_id","source_artifact_id") REFERENCES "public"."research_artifact"("organization_id","id") ON DELETE SET NULL ("source_artifact_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "extraction_result_step_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_step_id_tenant_fk" FOREIGN KEY ("organization_id","step_id") REFERENCES "public"."plan_step"("organization_id","id") ON DELETE SET NULL ("step_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "extraction_result_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "extraction_result" ADD CONSTRAINT "extraction_result_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "plan_audit_log_step_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_step_id_tenant_fk" FOREIGN KEY ("organization_id","step_id") REFERENCES "public"."plan_step"("organization_id","id") ON DELETE SET NULL ("step_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "plan_audit_log_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "plan_audit_log" ADD CONSTRAINT "plan_audit_log_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "plan_step_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "research_artifact_step_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "research_artifact" ADD CONSTRAINT "research_artifact_step_id_tenant_fk" FOREIGN KEY ("organization_id","step_id") REFERENCES "public"."plan_step"("organization_id","id") ON DELETE SET NULL ("step_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "research_artifact_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "research_artifact" ADD CONSTRAINT "research_artifact_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE SET NULL ("plan_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "research_feedback_output_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_output_id_tenant_fk" FOREIGN KEY ("organization_id","output_id") REFERENCES "public"."research_output"("organization_id","id") ON DELETE SET NULL ("output_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "research_feedback_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "research_feedback" ADD CONSTRAINT "research_feedback_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "research_output_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "research_output" ADD CONSTRAINT "research_output_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE cascade ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "skill_execution_step_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "skill_execution" ADD CONSTRAINT "skill_execution_step_id_tenant_fk" FOREIGN KEY ("organization_id","step_id") REFERENCES "public"."plan_step"("organization_id","id") ON DELETE SET NULL ("step_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;--> statement-breakpoint
-- Manual addition: NOT VALID added by db:review --fix; "skill_execution_plan_id_tenant_fk" is validated in the next migration.
DO $$ BEGIN
  ALTER TABLE "skill_execution" ADD CONSTRAINT "skill_execution_plan_id_tenant_fk" FOREIGN KEY ("organization_id","plan_id") REFERENCES "public"."research_plan"("organization_id","id") ON DELETE SET NULL ("plan_id") ON UPDATE no action NOT VALID;
EXCEPTION WHEN duplicate_object OR duplicate_table OR duplicate_column THEN null;
END $$;
