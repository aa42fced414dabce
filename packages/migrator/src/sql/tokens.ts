/**
 * PostgreSQL's own lexer (libpg-query's scanner) over a piece of SQL: its tokens with character
 * offsets, and the value of each identifier as PostgreSQL reads it (unquoted ones folded to lower
 * case, quoted ones with their doubled quotes undone). For questions the parse tree cannot answer:
 * how long an identifier is as written, where a keyword stands to insert a guard after it.
 */
import { pgQuery } from "./pg-query.ts";

/** One token of the SQL text. */
export interface SqlToken {
  /** The token as written, e.g. `INDEX`, `"ai_usage"`, `(`. */
  text: string;
  /** Character offsets of the token in the scanned text (end exclusive). */
  start: number;
  end: number;
  /** Set for keywords (`CREATE`, `TABLE`, `IF`…), upper case, whether or not the keyword is reserved. */
  keyword?: string;
  /** Set for identifiers: the name PostgreSQL sees (`"AbC"` → `AbC`, `AbC` → `abc`). */
  identifier?: string;
  /** A comment token (`-- …`, `/* … *\/`). */
  comment: boolean;
}

/** Maps the scanner's byte offsets into character offsets of `sql`. */
function byteToChar(sql: string): (byte: number) => number {
  const offsets: number[] = [];
  let chars = 0;
  for (const char of sql) {
    const bytes = Buffer.byteLength(char, "utf8");
    for (let i = 0; i < bytes; i++) offsets.push(chars);
    chars += char.length;
  }
  return (byte) => (byte >= offsets.length ? sql.length : (offsets[byte] ?? sql.length));
}

/**
 * The tokens of `sql`. Call `await loadParser()` first. Throws when the lexer rejects the text
 * (e.g. an unterminated quote).
 *
 * @example sqlTokens('CREATE INDEX "I" ON t (x)').map((t) => t.keyword ?? t.identifier) // ["CREATE","INDEX","I","ON","t","(", "x", ")"] (punctuation as undefined)
 */
export function sqlTokens(sql: string): SqlToken[] {
  const toChar = byteToChar(sql);
  return pgQuery()
    .scanSync(sql)
    .tokens.map((raw) => {
      const start = toChar(raw.start);
      const end = toChar(raw.end);
      const text = sql.slice(start, end);
      const token: SqlToken = { text, start, end, comment: raw.tokenName.endsWith("_COMMENT") };
      if (raw.keywordKind !== 0) token.keyword = text.toUpperCase();
      else if (raw.tokenName === "IDENT") token.identifier = identifierValue(text);
      return token;
    });
}

/** An identifier token's value: quotes removed and `""` undone, or ASCII letters folded to lower case. */
function identifierValue(text: string): string {
  if (text.startsWith('"')) return text.slice(1, -1).replace(/""/g, '"');
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
