/**
 * The one place that tells a migration's `--` comment lines from its code. Drizzle Kit and people
 * put whole-line comments above statements; everything that needs "the code of this chunk" (the
 * splitter, the parser's positions, fingerprints, messages) reads it from here.
 *
 * A line ends where PostgreSQL ends a `--` comment: at a line feed or a carriage return, so a
 * file saved with CR alone (classic Mac) or CRLF reads as the server reads it. Split on "\n"
 * alone, a CR-only file was one comment line, and its code was dropped as a comment.
 */

/** A line break as PostgreSQL's scanner ends a `--` comment: CRLF, CR or LF. */
export const LINE_BREAK = /\r\n|\r|\n/;

/** How many line breaks (CRLF, CR or LF) the text holds: the lines before its end, less one. */
export function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** Whether a line is blank or a whole-line `--` comment. */
function isCommentOrBlank(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("--");
}

/** The text without its whole-line `--` comments (line breaks of the remaining lines kept). */
export function withoutCommentLines(sql: string): string {
  return sql
    .split(LINE_BREAK)
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n");
}

/** Whether the text holds anything besides blank lines and whole-line `--` comments. */
export function hasCode(sql: string): boolean {
  return sql.split(LINE_BREAK).some((line) => !isCommentOrBlank(line));
}

/** The first line of code, trimmed and cut at `max` characters (for messages). */
export function firstCodeLine(sql: string, max = 100): string {
  const line = (sql.split(LINE_BREAK).find((l) => !isCommentOrBlank(l)) ?? "").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * The comment lines a chunk starts with (without their dashes) and the character offset where its
 * code begins.
 *
 * @example leadingComments("-- why\nCREATE TABLE t ()") // { comments: ["why"], codeStart: 7 }
 */
export function leadingComments(sql: string): { comments: string[]; codeStart: number } {
  const comments: string[] = [];
  // Line by line up to the first line of code only: a chunk can be a long function body.
  const lineBreak = new RegExp(LINE_BREAK.source, "g");
  for (let position = 0; ;) {
    lineBreak.lastIndex = position;
    const found = lineBreak.exec(sql);
    const line = sql.slice(position, found ? found.index : sql.length);
    if (!isCommentOrBlank(line)) return { comments, codeStart: position + (line.length - line.trimStart().length) };
    const trimmed = line.trim();
    if (trimmed.startsWith("--")) comments.push(trimmed.replace(/^--\s?/, ""));
    if (!found) break;
    position = found.index + found[0].length;
  }
  return { comments, codeStart: 0 };
}
