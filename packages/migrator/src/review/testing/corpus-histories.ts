/**
 * The real migration histories committed under `packages/migrator/fixtures/histories/` (see its
 * README): the review's tests read their SQL as a team adopting the toolkit would bring it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { leadingComments } from "../../sql/comments.ts";
import { splitStatements } from "../../sql/statements.ts";

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
