/**
 * The header line db:revert writes into the migration that reverses a tag. It is how a later
 * db:revert knows the tag is reverted already, so db:rebase, which renumbers tags, keeps it naming
 * the tag as it is after the move.
 */

/** The header's text before and after the tag. */
const HEADER = ["-- db:revert: reverses ", ", returning the schema to its state before it."] as const;

/** Where the header may be: the first lines (after the no-transaction directive). */
const HEADER_LINES = 3;

/** The header naming `tag`. */
export const revertHeader = (tag: string): string => `${HEADER[0]}${tag}${HEADER[1]}`;

/** The tag a header line names, if `line` is one. */
const headerTag = (line: string): string | undefined => {
  const trimmed = line.trim();
  return trimmed.startsWith(HEADER[0]) && trimmed.endsWith(HEADER[1])
    ? trimmed.slice(HEADER[0].length, -HEADER[1].length)
    : undefined;
};

/** The tag a migration's header says it reverses. */
export function revertedTag(sql: string): string | undefined {
  return sql
    .split(/\r?\n/, HEADER_LINES)
    .map(headerTag)
    .find((tag) => tag !== undefined);
}

/**
 * `sql` with its header naming the new tag when the tag it names was renamed (`renames`: old tag
 * to new), every other byte as it was; `sql` itself when there is nothing to change.
 */
export function retargetRevertHeader(sql: string, renames: ReadonlyMap<string, string>): string {
  const lines = sql.split("\n");
  for (let i = 0; i < Math.min(HEADER_LINES, lines.length); i++) {
    const line = lines[i]!;
    const tag = headerTag(line);
    if (tag === undefined) continue;
    const renamed = renames.get(tag);
    if (renamed === undefined) return sql;
    // A replacer function: a tag may hold `$`, which a replacement string would expand.
    lines[i] = line.replace(revertHeader(tag), () => revertHeader(renamed));
    return lines.join("\n");
  }
  return sql;
}
