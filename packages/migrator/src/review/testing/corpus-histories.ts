/**
 * The real migration histories committed under `packages/migrator/fixtures/histories/` (see its
 * README): the review's tests read their SQL as a team adopting the toolkit would bring it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readMigrationFolder } from "../../journal/migration-folder.ts";
import { leadingComments } from "../../sql/comments.ts";
import { splitStatements } from "../../sql/statements.ts";
import type { ReviewConfig } from "../config.ts";
import type { Finding } from "../finding.ts";
import { reviewMigrations } from "../review-migrations.ts";
import { reviewSources } from "../review-sources.ts";

/** `packages/migrator/fixtures/histories`. */
export const CORPUS_ROOT = fileURLToPath(new URL("../../../fixtures/histories", import.meta.url));

/** The corpus folders (`<owner>__<repo>`), sorted. */
export function corpusFolders(): string[] {
  return readdirSync(CORPUS_ROOT)
    .filter((name) => statSync(join(CORPUS_ROOT, name)).isDirectory())
    .sort();
}

/**
 * The statement (chunk between breakpoints) of a corpus migration whose code starts with `start`,
 * exactly as the file has it. Throws when there is none, so a test cannot pass on a missing fixture.
 *
 * @example corpusStatement("Dokploy__dokploy", "0033_white_hawkeye", 'ALTER TYPE "sourceType" ADD VALUE \'gitlab\'')
 */
export function corpusStatement(folder: string, tag: string, start: string): string {
  const text = readFileSync(join(CORPUS_ROOT, folder, `${tag}.sql`), "utf8");
  const found = splitStatements(text).find(({ sql }) => sql.slice(leadingComments(sql).codeStart).startsWith(start));
  if (!found) throw new Error(`${folder}/${tag}.sql has no statement starting with ${start}`);
  return found.sql;
}

/** The settings of a project without a tenant column or guard requirement (as most corpus projects are). */
export const SINGLE_TENANT_CONFIG: ReviewConfig = { rules: {} };

/** Whole-folder reviews already run (the same folder and config), so tests that ask about several tags share one. */
const reviews = new Map<string, Promise<Finding[]>>();

/**
 * Reviews a corpus folder as `db:review --migrations <folder> --no-baseline` does (the whole
 * history replayed, snapshots diffed where both exist) and returns the findings of the `only`
 * tags (all migrations when left out), optionally of one rule.
 */
export async function reviewCorpus(
  folder: string,
  options: { only?: string[]; rule?: string; config?: ReviewConfig } = {},
): Promise<Finding[]> {
  const config = options.config ?? SINGLE_TENANT_CONFIG;
  const key = `${folder}\u0000${JSON.stringify(config)}`;
  let review = reviews.get(key);
  if (!review) {
    review = (async () => {
      const migrations = readMigrationFolder(join(CORPUS_ROOT, folder));
      const sources = await reviewSources(migrations, { displayFolder: folder, withGenerated: true });
      return reviewMigrations(sources, { config });
    })();
    reviews.set(key, review);
  }
  const files = options.only?.map((tag) => join(folder, `${tag}.sql`));
  return (await review).filter(
    (finding) => (!files || files.includes(finding.file)) && (!options.rule || finding.rule === options.rule),
  );
}

/**
 * Replays a corpus folder's history up to `tag` and reviews `sql` in that migration's place: what
 * the review would say had the team committed `sql` instead. Returns the findings of `rule`.
 */
export async function reviewInsteadOf(folder: string, tag: string, sql: string, rule: string): Promise<Finding[]> {
  const migrations = readMigrationFolder(join(CORPUS_ROOT, folder));
  const position = migrations.migrations.findIndex((migration) => migration.tag === tag);
  if (position < 0) throw new Error(`${folder} has no migration ${tag}`);
  const sources = await reviewSources(migrations, { displayFolder: folder });
  const replaced = [...sources.slice(0, position), { ...sources[position]!, text: sql }];
  const findings = await reviewMigrations(replaced, { config: SINGLE_TENANT_CONFIG, only: [tag] });
  return findings.filter((finding) => finding.rule === rule);
}
