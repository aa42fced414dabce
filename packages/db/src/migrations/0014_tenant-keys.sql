-- migrator:no-transaction
-- Manual addition: rewritten by db:review --fix: the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile.
-- Manual addition: (organization_id, id) of each table another tenant table references, unique: the key
-- the next migration's foreign keys reference, so a row and the row it points at are one tenant's
-- (db:rls cross-tenant-reference). id alone is already unique; these rows hold no duplicate.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "ai_batch_tenant_key_idx" ON "ai_batch" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_tenant_key_idx" ON "ai_usage" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "plan_step_tenant_key_idx" ON "plan_step" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "research_artifact_tenant_key_idx" ON "research_artifact" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "research_output_tenant_key_idx" ON "research_output" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "research_plan_tenant_key_idx" ON "research_plan" USING btree ("organization_id","id");
