/**
 * A PostgreSQL identifier, double-quoted with embedded quotes doubled, so any name (mixed case,
 * reserved words, quotes) is safe to put into SQL.
 *
 * @example quoteIdent('my "table"') // '"my ""table"""'
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
