-- Manual addition: enable pgvector extension (Drizzle Kit never emits CREATE EXTENSION; the
-- halfvec column below needs it).
CREATE EXTENSION IF NOT EXISTS vector;--> statement-breakpoint
-- Search: document_chunk with a halfvec(1536) embedding (HNSW, inner product) and a generated
-- tsvector (GIN). Guards added by hand so the migration can run again without error.
DO $$ BEGIN
  CREATE TYPE "public"."document_source_table" AS ENUM('research_artifact', 'research_output', 'extraction_result');
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "document_chunk" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source_table" "document_source_table" NOT NULL,
	"source_id" text NOT NULL,
	"chunk_index" integer NOT NULL,
	"content" text NOT NULL,
	"context" text,
	"token_count" integer,
	"embedding" halfvec(1536) NOT NULL,
	"embedding_model" text NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce("context", '') || ' ' || "content")) STORED NOT NULL,
	"metadata" jsonb
);
--> statement-breakpoint
ALTER TABLE "document_chunk" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "document_chunk" ADD CONSTRAINT "document_chunk_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "document_chunk_organizationId_idx" ON "document_chunk" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "document_chunk_source_idx" ON "document_chunk" USING btree ("source_table","source_id","chunk_index");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "document_chunk_embedding_idx" ON "document_chunk" USING hnsw ("embedding" halfvec_ip_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "document_chunk_search_vector_idx" ON "document_chunk" USING gin ("search_vector");--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "document_chunk_select" ON "document_chunk" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "document_chunk_insert" ON "document_chunk" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "document_chunk_update" ON "document_chunk" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true))) WITH CHECK ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "document_chunk_delete" ON "document_chunk" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;