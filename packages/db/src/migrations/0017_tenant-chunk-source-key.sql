-- migrator:no-transaction
-- Manual addition: the unique key of a chunk's source is per tenant. Across tenants it told a
-- tenant that another tenant's source id exists (its insert failed on the key) and let it take
-- that id first. Built before the old key is dropped, so the source stays unique throughout, and
-- CONCURRENTLY, so writes to document_chunk do not wait for the build or the drop.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "document_chunk_tenant_source_idx" ON "document_chunk" USING btree ("organization_id","source_table","source_id","chunk_index");--> statement-breakpoint
-- review-ignore drop-statement: replaced by document_chunk_tenant_source_idx above; no code names the old key (no ON CONFLICT on it).
DROP INDEX CONCURRENTLY IF EXISTS "document_chunk_source_idx";
