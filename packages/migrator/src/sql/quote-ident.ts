/**
 * A PostgreSQL identifier, double-quoted with embedded quotes doubled, so any name (mixed case,
 * reserved words, quotes) is safe to put into SQL.
 *
 * @example quoteIdent('my "table"') // '"my ""table"""'
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A relation's name as SQL, which is also its key: `"t"` in the default schema (`public`, or none
 * given), `"s"."t"` elsewhere.
 *
 * @example qualifiedIdent("audit", "log") // '"audit"."log"'
 */
export function qualifiedIdent(schema: string | undefined, name: string): string {
  return schema && schema !== "public" ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/**
 * A PostgreSQL string literal, single-quoted with embedded quotes doubled (standard strings, as
 * PostgreSQL reads them by default).
 *
 * @example quoteLiteral("it's") // "'it''s'"
 */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
