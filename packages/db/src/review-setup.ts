/**
 * Trovella's wiring of the generic review (`@repo/migrator`): where the config and the baseline
 * live, and the throwaway embedded database (PGlite with pgvector) that `--live` runs on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Baseline,
  type Driver,
  type Finding,
  createBaseline,
  parseBaseline,
  parseReviewConfig,
  pgliteDriver,
  type ReviewConfig,
} from "@repo/migrator";
import { openPglite } from "./connection.ts";

/** `packages/db/review.config.json`: tenant column, role, guard baseline, rule severities. */
export const REVIEW_CONFIG_PATH = fileURLToPath(new URL("../review.config.json", import.meta.url));

/** `packages/db/review-baseline.json`: accepted findings of already-applied migrations. */
export const REVIEW_BASELINE_PATH = fileURLToPath(new URL("../review-baseline.json", import.meta.url));

/** Trovella's migrations folder. */
export const REVIEW_MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/** Reads and validates the review config. */
export function loadReviewConfig(path: string = REVIEW_CONFIG_PATH): ReviewConfig {
  return parseReviewConfig(JSON.parse(readFileSync(path, "utf8")), path);
}

/** Reads the baseline; a missing file is an empty baseline. */
export function loadReviewBaseline(path: string = REVIEW_BASELINE_PATH): Baseline {
  if (!existsSync(path)) return { version: 1, findings: [] };
  return parseBaseline(JSON.parse(readFileSync(path, "utf8")), path);
}

/** Writes the baseline that accepts exactly these findings. */
export function writeReviewBaseline(findings: readonly Finding[], path: string = REVIEW_BASELINE_PATH): void {
  writeFileSync(path, `${JSON.stringify(createBaseline(findings), null, 2)}\n`);
}

/** Opens an empty PGlite database (with pgvector) in a temporary folder, removed on close. */
export async function openThrowawayDatabase(): Promise<Driver> {
  const dataDir = mkdtempSync(join(tmpdir(), "trovella-review-"));
  const driver = pgliteDriver(await openPglite(dataDir), { target: dataDir, owned: true });
  return {
    ...driver,
    async close() {
      await driver.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
