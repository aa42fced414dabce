-- migrator:no-transaction
-- Manual addition: 0011's index is (organization_id, created_at DESC NULLS LAST), which cannot serve
-- `ORDER BY created_at DESC` (NULLS FIRST): the tenant's latest rows were still sorted. An ascending
-- index serves it scanned backwards. The new index is built before the old one goes, both
-- CONCURRENTLY, so writes go on and the tenant's reads always have an index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_tenant_latest_idx" ON "ai_usage" USING btree ("organization_id","created_at");--> statement-breakpoint
-- review-ignore drop-statement: replaced by ai_usage_tenant_latest_idx, built above; no code names the index.
DROP INDEX CONCURRENTLY IF EXISTS "ai_usage_organizationId_createdAt_idx";
