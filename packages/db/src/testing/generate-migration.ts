/**
 * A migration generated the way `drizzle-kit generate` generates it, for tests that need what a
 * branch really commits: Trovella's schema plus the test's tables, turned into a snapshot
 * (`generateDrizzleJson`) and diffed against the folder's last snapshot by Drizzle Kit's own
 * differ (`generateMigration`), written with its snapshot and journal entry.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import * as schema from "../schema/index.ts";
import type { GitRepository } from "./git-repository.ts";
import type { ScratchMigrations } from "./scratch-migrations.ts";

/** Drizzle Kit's separator between the statements of a generated file. */
const BREAKPOINT = "--> statement-breakpoint\n";

/** Trovella's schema with `extra` exports added (the branch's new tables). */
export function schemaWith(extra: Record<string, unknown>): Record<string, unknown> {
  return { ...schema, ...extra };
}

/** The statements `drizzle-kit generate` would write for the schema with `extra`, against `snapshot`. */
export async function pendingStatements(snapshot: object, extra: Record<string, unknown>): Promise<string[]> {
  return generateMigration(snapshot as never, generateDrizzleJson(schemaWith(extra)));
}

/** Generates and appends a migration named `name` for the schema with `extra`, dated `when`; returns its tag. */
export async function generateInto(
  migrations: ScratchMigrations,
  name: string,
  extra: Record<string, unknown>,
  when: number,
): Promise<string> {
  const last = migrations.entries().at(-1);
  if (!last) throw new Error("the folder has no migration to generate after");
  const previous = migrations.snapshot(last.idx);
  const current = generateDrizzleJson(schemaWith(extra), previous.id);
  const statements = await generateMigration(previous as never, current);
  if (statements.length === 0) throw new Error(`nothing to generate for ${name}`);
  return migrations.add(name, statements.join(BREAKPOINT), { when, snapshot: current as Record<string, unknown> });
}

/**
 * Two branches that each generate a migration: `feature` first (the older `when`), then `main`,
 * which deploys its own before `feature` is merged. Leaves HEAD on `feature`, not merged.
 */
export async function branchesThatEachGenerate(
  repo: GitRepository,
  ours: Record<string, unknown>,
  theirs: Record<string, unknown>,
): Promise<{ tagA: string; tagB: string }> {
  const last = repo.migrations.entries().at(-1);
  if (!last) throw new Error("the repository has no migration");
  repo.git("checkout", "-q", "-b", "feature");
  const tagA = await generateInto(repo.migrations, "branch_a", ours, last.when + 1000);
  repo.commit("feature: generate");
  repo.git("checkout", "-q", "main");
  const tagB = await generateInto(repo.migrations, "branch_b", theirs, last.when + 2000);
  repo.commit("main: generate, deployed");
  repo.git("checkout", "-q", "feature");
  return { tagA, tagB };
}
