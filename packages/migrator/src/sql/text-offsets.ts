/**
 * Where libpg-query and PostgreSQL point into SQL text, as offsets into a JavaScript string (which
 * counts UTF-16 units): a parse tree's locations count UTF-8 bytes, an error's position counts
 * characters (code points). The three agree on ASCII text and differ after an accent or an emoji.
 */

/** The string offset of a position in characters (an error's cursor or position, 0-based). */
export function codePointsToCharOffset(text: string, codePoints: number): number {
  let offset = 0;
  for (let n = 0; n < codePoints && offset < text.length; n++)
    offset += (text.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
  return offset;
}

/**
 * The converter from UTF-8 byte offsets (a statement's location and length in the parse tree) to
 * string offsets for one text. ASCII text, most migrations, needs no conversion; other text is
 * encoded once, not once per statement.
 */
export function charOffsets(text: string): (byteOffset: number) => number {
  if (Buffer.byteLength(text, "utf8") === text.length) return (byteOffset) => byteOffset;
  const bytes = Buffer.from(text, "utf8");
  return (byteOffset) => bytes.subarray(0, byteOffset).toString("utf8").length;
}

/**
 * The string offset in `sql` that the parser's cursor points at on an error it raised parsing
 * `sql` (libpg-query's `sqlDetails.cursorPosition`, 0-based characters); undefined when the error
 * gives none (libpg-query's PL/pgSQL parser never does).
 */
export function syntaxErrorOffset(error: unknown, sql: string): number | undefined {
  const details = (error as { sqlDetails?: { cursorPosition?: unknown } } | null)?.sqlDetails;
  const cursor = details?.cursorPosition;
  return typeof cursor === "number" ? codePointsToCharOffset(sql, cursor) : undefined;
}
