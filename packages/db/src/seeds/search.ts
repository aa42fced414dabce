/**
 * The search tier: document chunks for the research tier's artifacts and outputs, with the
 * pre-computed hashed embeddings of seeds/hashed-embedding.ts and the text the generated
 * `search_vector` indexes. Written per organization through `withTenantContext`; chunk ids derive
 * from the source row, so a second run inserts nothing.
 */
import { inArray } from "drizzle-orm";
import { SeedError, type SeedTableCount, sumCounts } from "@repo/migrator";
import { type Database, withTenantContext } from "../client.ts";
import { researchArtifact, researchOutput } from "../schema/research.ts";
import { documentChunk } from "../schema/search.ts";
import { RESEARCH_PLANS, type ResearchPlanSeed } from "./data/research-plans.ts";
import { loadDevelopmentIds } from "./development-ids.ts";
import { HASHED_EMBEDDING_MODEL, hashedEmbedding } from "./hashed-embedding.ts";
import { insertMissing } from "./insert-missing.ts";
import { researchIds } from "./research.ts";

const MAX_CHUNK_WORDS = 120;

/** Splits text into chunks: one per paragraph, long paragraphs cut at sentence ends. */
export function chunkText(text: string): string[] {
  const chunks: string[] = [];
  for (const paragraph of text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    let current: string[] = [];
    for (const sentence of paragraph.match(/[^.!?]+[.!?]*\s*/g) ?? [paragraph]) {
      const words = current.join("").split(/\s+/).filter(Boolean).length + sentence.split(/\s+/).filter(Boolean).length;
      if (current.length > 0 && words > MAX_CHUNK_WORDS) {
        chunks.push(current.join("").trim());
        current = [];
      }
      current.push(sentence);
    }
    if (current.length > 0) chunks.push(current.join("").trim());
  }
  return chunks;
}

interface Source {
  table: "research_artifact" | "research_output";
  id: string;
  planId: string | null;
  title: string;
  content: string;
}

function chunkRows(organizationId: string, plan: ResearchPlanSeed | undefined, source: Source) {
  const context = plan ? `${plan.title}: ${source.title}` : source.title;
  return chunkText(source.content).map((content, chunkIndex) => ({
    id: `chunk_${source.table}_${source.id}_${chunkIndex}`,
    organizationId,
    sourceTable: source.table,
    sourceId: source.id,
    chunkIndex,
    content,
    context,
    tokenCount: Math.ceil(content.split(/\s+/).length * 1.3),
    embedding: hashedEmbedding(`${context} ${content}`),
    embeddingModel: HASHED_EMBEDDING_MODEL,
    metadata: { planId: source.planId, title: source.title },
  }));
}

/** Runs the search tier; returns counts per table. Needs the research tier's rows. */
export async function seedSearchData(db: Database): Promise<SeedTableCount[]> {
  const ids = await loadDevelopmentIds(db, "search");
  const counts: SeedTableCount[] = [];
  for (const slug of new Set(RESEARCH_PLANS.map((plan) => plan.org))) {
    const plans = RESEARCH_PLANS.filter((plan) => plan.org === slug);
    const organizationId = ids.organizations.get(slug)!;
    const userId = ids.users.get(plans[0]!.user)!;
    const artifactIds = plans.flatMap((plan) => plan.artifacts.map((_, i) => researchIds.artifact(plan.key, i + 1)));
    const outputIds = plans.flatMap((plan) => plan.outputs.map((_, i) => researchIds.output(plan.key, i + 1)));
    const planById = new Map(plans.map((plan) => [researchIds.plan(plan.key), plan]));
    counts.push(
      await withTenantContext(
        organizationId,
        userId,
        async (tx) => {
          const artifacts =
            artifactIds.length === 0
              ? []
              : await tx.select().from(researchArtifact).where(inArray(researchArtifact.id, artifactIds));
          const outputs =
            outputIds.length === 0
              ? []
              : await tx.select().from(researchOutput).where(inArray(researchOutput.id, outputIds));
          const sources: Source[] = [
            ...artifacts.map((a) => ({
              table: "research_artifact" as const,
              id: a.id,
              planId: a.planId,
              title: a.title,
              content: a.content ?? "",
            })),
            ...outputs.map((o) => ({
              table: "research_output" as const,
              id: o.id,
              planId: o.planId,
              title: o.title,
              content: o.content,
            })),
          ];
          const expected = artifactIds.length + outputIds.length;
          if (sources.length < expected) {
            throw new SeedError({
              code: "prerequisite-missing",
              tier: "search",
              message: `Tier "search" chunks the research tier's artifacts and outputs, but ${expected - sources.length} of ${expected} are missing in organization ${slug}.`,
              fix: "Run pnpm db:seed-research (research and search tiers) or pnpm db:seed.",
            });
          }
          const rows = sources.flatMap((source) =>
            chunkRows(organizationId, source.planId ? planById.get(source.planId) : undefined, source),
          );
          return insertMissing(tx, documentChunk, rows);
        },
        db,
      ),
    );
  }
  return sumCounts(counts);
}
