-- Manual addition: moved here from 0015_tenant-paired-references by db:review --fix: VALIDATE runs after the NOT VALID constraint is committed, under SHARE UPDATE EXCLUSIVE, which blocks no reads or writes.
-- Manual addition: a row that points at another tenant's row fails its key's VALIDATE, and the
-- migration with it (rolled back, named by the runner). That row is what 0015 closes: find it with
-- SELECT c.id FROM <table> c JOIN <referenced> p ON p.id = c.<column> WHERE p.organization_id <> c.organization_id,
-- decide with its tenants, then migrate again.
ALTER TABLE "ai_call_details" VALIDATE CONSTRAINT "ai_call_details_usage_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "ai_usage" VALIDATE CONSTRAINT "ai_usage_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "ai_usage" VALIDATE CONSTRAINT "ai_usage_batch_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "extraction_result" VALIDATE CONSTRAINT "extraction_result_source_artifact_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "extraction_result" VALIDATE CONSTRAINT "extraction_result_step_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "extraction_result" VALIDATE CONSTRAINT "extraction_result_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "plan_audit_log" VALIDATE CONSTRAINT "plan_audit_log_step_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "plan_audit_log" VALIDATE CONSTRAINT "plan_audit_log_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "plan_step" VALIDATE CONSTRAINT "plan_step_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "research_artifact" VALIDATE CONSTRAINT "research_artifact_step_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "research_artifact" VALIDATE CONSTRAINT "research_artifact_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "research_feedback" VALIDATE CONSTRAINT "research_feedback_output_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "research_feedback" VALIDATE CONSTRAINT "research_feedback_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "research_output" VALIDATE CONSTRAINT "research_output_plan_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "skill_execution" VALIDATE CONSTRAINT "skill_execution_step_id_tenant_fk";--> statement-breakpoint
ALTER TABLE "skill_execution" VALIDATE CONSTRAINT "skill_execution_plan_id_tenant_fk";
