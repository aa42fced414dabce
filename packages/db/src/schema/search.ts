/**
 * Search: research content split into chunks, each with a pgvector embedding (semantic search,
 * inner product on normalized vectors) and a generated `tsvector` (full-text search).
 */
import { relations, sql } from "drizzle-orm";
import { customType, halfvec, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { tenantColumns, tenantPolicies } from "./base.ts";

/** Dimensions of the embedding model's vectors (Gemini Embedding, truncated to 1536). */
export const EMBEDDING_DIMENSIONS = 1536;

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** The tables a chunk's text can come from. */
export const documentSourceTableEnum = pgEnum("document_source_table", [
  "research_artifact",
  "research_output",
  "extraction_result",
]);

export const documentChunk = pgTable(
  "document_chunk",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    /** The source row is polymorphic (table + id), so it has no foreign key. */
    sourceTable: documentSourceTableEnum("source_table").notNull(),
    sourceId: text("source_id").notNull(),
    chunkIndex: integer("chunk_index").notNull(),
    content: text("content").notNull(),
    /** A short model-written description of where the chunk sits in its document. */
    context: text("context"),
    tokenCount: integer("token_count"),
    embedding: halfvec("embedding", { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    embeddingModel: text("embedding_model").notNull(),
    searchVector: tsvector("search_vector")
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english'::regconfig, coalesce("context", '') || ' ' || "content")`),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
  },
  (t) => [
    ...tenantPolicies("document_chunk"),
    index("document_chunk_organizationId_idx").on(t.organizationId),
    // Unique per tenant: a key across tenants would tell one tenant that another's source id exists
    // (its insert fails) and let it take that id first (0017).
    uniqueIndex("document_chunk_tenant_source_idx").on(t.organizationId, t.sourceTable, t.sourceId, t.chunkIndex),
    index("document_chunk_embedding_idx").using("hnsw", t.embedding.op("halfvec_ip_ops")),
    index("document_chunk_search_vector_idx").using("gin", t.searchVector),
  ],
).enableRLS();

export const documentChunkRelations = relations(documentChunk, () => ({}));
