/**
 * A seed tier: a named set of data, the environments it may run in, and the function that writes
 * it. Tiers know their project's tables; the orchestrator (`runSeed`) knows only this shape.
 */
import type { SeedTableCount } from "./table-count.ts";

/** Where seeding runs. `production` is special: only tiers that list it may run there. */
export type SeedEnvironment = "development" | "test" | "staging" | "production";

/** Every environment: for reference data the application cannot run without. */
export const ALL_ENVIRONMENTS: readonly SeedEnvironment[] = ["development", "test", "staging", "production"];

/** Every environment except production: for demo and test data. */
export const NON_PRODUCTION_ENVIRONMENTS: readonly SeedEnvironment[] = ["development", "test", "staging"];

/** Other names accepted for an environment (compared lower-cased). */
export const ENVIRONMENT_ALIASES: Readonly<Record<string, SeedEnvironment>> = {
  prod: "production",
  dev: "development",
  stage: "staging",
};

/**
 * The environment a name means, whatever its case and surrounding spaces, aliases included; or
 * undefined for a name that is no environment (a typo must not pass for a non-production one).
 *
 * @example seedEnvironmentNamed(" Production") // "production"
 * @example seedEnvironmentNamed("prod") // "production"
 */
export function seedEnvironmentNamed(name: string): SeedEnvironment | undefined {
  const key = name.trim().toLowerCase();
  return ALL_ENVIRONMENTS.find((environment) => environment === key) ?? ENVIRONMENT_ALIASES[key];
}

/**
 * One tier. `run` must be idempotent (a second run inserts nothing) and returns, per table, how
 * many rows it inserted and how many it found already present.
 *
 * @example
 * const reference: SeedTier<{ db: Database }> = {
 *   name: "reference", description: "AI model registry and pricing",
 *   environments: ALL_ENVIRONMENTS, run: ({ db }) => seedReferenceData(db),
 * };
 */
export interface SeedTier<Context> {
  readonly name: string;
  readonly description: string;
  readonly environments: readonly SeedEnvironment[];
  run(context: Context): Promise<SeedTableCount[]>;
}
