/**
 * Trovella's seed tiers, in the order they run. The command, the docs and the tests all read
 * this one list.
 */
import { ALL_ENVIRONMENTS, NON_PRODUCTION_ENVIRONMENTS, type SeedTier } from "@repo/migrator";
import type { Database } from "../client.ts";
import { seedDevelopmentData } from "./development.ts";
import { seedReferenceData } from "./reference.ts";
import { seedResearchData } from "./research.ts";
import { seedSearchData } from "./search.ts";

/** What every Trovella tier receives: the bare connection (tenant rows go through withTenantContext). */
interface TrovellaSeedContext {
  db: Database;
}

export const SEED_TIERS: readonly SeedTier<TrovellaSeedContext>[] = [
  {
    name: "reference",
    description: "AI model registry and price history",
    environments: ALL_ENVIRONMENTS,
    run: ({ db }) => seedReferenceData(db),
  },
  {
    name: "development",
    description: "users, organizations, members, invitations, personal access tokens",
    environments: NON_PRODUCTION_ENVIRONMENTS,
    run: ({ db }) => seedDevelopmentData(db),
  },
  {
    name: "research",
    description: "research plans with steps, artifacts, outputs, feedback, logs and priced AI usage",
    environments: NON_PRODUCTION_ENVIRONMENTS,
    run: ({ db }) => seedResearchData(db),
  },
  {
    name: "search",
    description: "document chunks with pre-computed embeddings for the research content",
    environments: NON_PRODUCTION_ENVIRONMENTS,
    run: ({ db }) => seedSearchData(db),
  },
];
