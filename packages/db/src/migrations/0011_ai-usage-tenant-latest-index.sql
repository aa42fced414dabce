-- migrator:no-transaction
-- Manual addition: rewritten by db:review --fix: the index is built CONCURRENTLY outside a transaction, so writes go on meanwhile.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_organizationId_createdAt_idx" ON "ai_usage" USING btree ("organization_id","created_at" DESC NULLS LAST);
