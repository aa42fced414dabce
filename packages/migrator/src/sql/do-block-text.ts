/**
 * Where the pieces of a `DO` block's body stand in the block's text. PL/pgSQL's parse tree gives
 * each statement the line of the body it starts on (`lineno`) but no column, and its syntax errors
 * no position at all. A statement's text starting once on its line is the statement; where it is
 * not that plain, PostgreSQL's lexer over the body finds the token the statement starts at on its
 * line, so a copy of it in a comment or a string is never taken for it. PostgreSQL's SQL parser,
 * tried on the body's statements, finds the one a syntax error is in.
 */
import { errorMessage } from "../errors/error-message.ts";
import { pgQuery } from "./pg-query.ts";
import { PERFORM_QUERY_PREFIX, type PlpgsqlStatement } from "./plpgsql-walk.ts";
import { syntaxErrorOffset } from "./text-offsets.ts";
import { type SqlToken, sqlTokens } from "./tokens.ts";

/** A DO block's text and its body, with the offsets of the body's statements and errors in that text. */
export class DoBlockText {
  readonly #text: string;
  readonly #body: string;
  /** Where the body's first character is in the text. */
  readonly #start: number;
  /** Whether the body is in the text as it is (dollar-quoted), not with its quotes doubled. */
  readonly #verbatim: boolean;
  /** The backslash escapes of a quoted body: `E'…'` (C-style) or `U&'…'` (Unicode); none in a plain `'…'`. */
  readonly #escapes: "c" | "unicode" | undefined;
  /** The body's code tokens (comments left out), lexed when first needed; none when the lexer rejects it. */
  #lexed: SqlToken[] | undefined;
  /** Where each line of the body starts (PL/pgSQL counts lines by `\n`). */
  readonly #lineStarts: number[];
  /** Where the next statement may start: after the one found last (the walk gives them in the order of the body). */
  #cursor = 0;

  /**
   * @param text the `DO` statement
   * @param body its body, as the parse tree gives it (the string's value)
   * @param bodyAt where the string constant holding the body starts in `text` (its `$tag$` or quote)
   */
  constructor(text: string, body: string, bodyAt: number | undefined) {
    this.#text = text;
    this.#body = body;
    const tagEnd = bodyAt !== undefined && text[bodyAt] === "$" ? text.indexOf("$", bodyAt + 1) : -1;
    const quote = bodyAt === undefined ? -1 : text.indexOf("'", bodyAt);
    if (tagEnd >= 0 && text.startsWith(body, tagEnd + 1)) {
      this.#start = tagEnd + 1;
      this.#verbatim = true;
    } else if (quote >= 0) {
      this.#start = quote + 1;
      this.#verbatim = false;
      const prefix = text.slice(bodyAt, quote).toUpperCase();
      this.#escapes = prefix === "E" ? "c" : prefix === "U&" ? "unicode" : undefined;
    } else {
      this.#start = Math.max(text.indexOf(body), 0);
      this.#verbatim = true;
    }
    this.#lineStarts = [0];
    for (let at = body.indexOf("\n"); at >= 0; at = body.indexOf("\n", at + 1)) this.#lineStarts.push(at + 1);
  }

  get #tokens(): SqlToken[] {
    if (!this.#lexed) {
      try {
        this.#lexed = sqlTokens(this.#body).filter((token) => !token.comment);
      } catch {
        this.#lexed = [];
      }
    }
    return this.#lexed;
  }

  /**
   * Where a statement the PL/pgSQL walk found starts in the text: on its line, after the statement
   * found before it, where its text starts (for a `PERFORM`, at its keyword; for an expression, at
   * the first token of its line). `expression` is where a PERFORM's expression starts (else `start`).
   * A query PL/pgSQL rewrote (`SELECT … INTO v FROM …` loses its `INTO v`) is found by its first word.
   */
  locate(statement: PlpgsqlStatement): { start: number; expression: number } {
    const line = (statement.lineno ?? 1) - 1;
    const lineStart = this.#lineStarts[line] ?? 0;
    const lineEnd = this.#lineStarts[line + 1] ?? this.#body.length;
    const from = Math.max(lineStart, statement.kind === "expression" ? 0 : this.#cursor);
    const written = statement.kind === "perform" ? statement.query.slice(PERFORM_QUERY_PREFIX.length) : statement.query;
    if (statement.kind === "sql") {
      // Its text starting once on its line: no comment or string there holds a copy to mistake for it.
      const first = this.#body.indexOf(written, from);
      const again = first < 0 ? -1 : this.#body.indexOf(written, first + 1);
      if (first >= 0 && first < lineEnd && (again < 0 || again >= lineEnd)) return this.#found(first, first, written);
    }
    const tokens = this.#tokens;
    const after = (test: (token: SqlToken) => boolean) =>
      tokens.findIndex((token) => token.start >= from && test(token));
    let index: number;
    if (statement.kind === "expression") index = after(() => true);
    else if (statement.kind === "perform") index = after((token) => token.text.toLowerCase() === "perform");
    else {
      index = after((token) => this.#body.startsWith(written, token.start));
      const first = index < 0 ? firstToken(written) : undefined;
      if (first) index = after((token) => token.text.toLowerCase() === first);
    }
    const token = tokens[index];
    if (!token) {
      // The lexer rejected the body: the statement's text on or after its line.
      const found = this.#body.indexOf(written, from);
      const at = found >= 0 ? found : from;
      return this.#found(at, at, statement.kind === "expression" ? "" : written);
    }
    if (statement.kind === "expression") return this.#found(token.start, token.start, "");
    const expression = statement.kind === "perform" ? (tokens[index + 1]?.start ?? token.end) : token.start;
    return this.#found(token.start, expression, written);
  }

  /**
   * A statement found at `start` (body offsets), whose `written` text starts at `expression`: the
   * next one is after it.
   */
  #found(start: number, expression: number, written: string): { start: number; expression: number } {
    if (written !== "") this.#cursor = expression + written.length;
    return { start: this.#toText(start), expression: this.#toText(expression) };
  }

  /**
   * Where in the text the syntax error PL/pgSQL's parser reported (`message`, which comes without
   * a position) is: in the first statement of the body that PostgreSQL's SQL parser rejects with
   * the same message, at its cursor, if taking that statement out of the body (for `NULL`) clears
   * the error. Undefined when no statement is found (an error in PL/pgSQL's own syntax, such as an
   * `IF` without `END IF`).
   */
  errorAt(message: string): number | undefined {
    let depth = 0;
    let first = 0;
    for (let index = 0; index <= this.#tokens.length; index++) {
      const token = this.#tokens[index];
      if (token?.text === "(") depth++;
      else if (token?.text === ")") depth--;
      if (token && (token.text !== ";" || depth > 0)) continue;
      const found = this.#errorIn(first, index, message);
      if (found !== undefined) return this.#toText(found);
      first = index + 1;
    }
    return undefined;
  }

  /**
   * The error in the tokens `from`…`to` (one `;`-separated piece: maybe PL/pgSQL keywords, then
   * a statement): each suffix of it is given to the SQL parser. An error at the first token of a
   * suffix that parses is a PL/pgSQL keyword before a statement (`BEGIN`, `THEN`), not this one.
   */
  #errorIn(from: number, to: number, message: string): number | undefined {
    const end = this.#tokens[to - 1]?.end;
    if (end === undefined || from >= to) return undefined;
    const parses = new Set<number>();
    const candidates: { start: number; at: number }[] = [];
    for (const { start } of this.#tokens.slice(from, to)) {
      const sql = this.#body.slice(start, end);
      try {
        pgQuery().parseSync(sql);
        parses.add(start);
      } catch (error) {
        const at = errorMessage(error) === message ? syntaxErrorOffset(error, sql) : undefined;
        if (at !== undefined) candidates.push({ start, at: start + at });
      }
    }
    const candidate = candidates.find(({ at }) => !parses.has(at));
    if (!candidate) return undefined;
    const without = `${this.#body.slice(0, candidate.start)}NULL${this.#body.slice(end)}`;
    return this.#rejects(without, message) ? undefined : candidate.at;
  }

  /** Whether PL/pgSQL's parser rejects a body with `message`. */
  #rejects(body: string, message: string): boolean {
    let tag = "$body$";
    for (let n = 1; body.includes(tag); n++) tag = `$body${n}$`;
    try {
      pgQuery().parsePlPgSQLSync(`DO ${tag}${body}${tag}`);
      return false;
    } catch (error) {
      return errorMessage(error) === message;
    }
  }

  /**
   * The text offset of a body offset: in a quoted body, a doubled quote is one character of the
   * body, and so is each backslash escape of an `E'…'` or `U&'…'` string (`\n`, `\'`, `\x41`,
   * `\u00e9`; one whose code point is outside the BMP is two UTF-16 units of the body).
   */
  #toText(bodyOffset: number): number {
    if (this.#verbatim) return this.#start + bodyOffset;
    let at = this.#start;
    for (let units = 0; units < bodyOffset;) {
      const escape = this.#escapeAt(at);
      if (escape) {
        at += escape.length;
        units += escape.units;
      } else {
        at += this.#text[at] === "'" && this.#text[at + 1] === "'" ? 2 : 1;
        units++;
      }
    }
    return at;
  }

  /**
   * The backslash escape at `at` in the text of an `E'…'` or `U&'…'` body: its length and the
   * UTF-16 units of the body it stands for. A byte escape (`\xC3`) is counted as one character: after
   * a non-ASCII character spelled out byte by byte (`\xC3\xA9`), statements are placed an escape early
   * per extra byte. A `U&'…'` string is read with `\` as its escape (not one set by `UESCAPE`).
   */
  #escapeAt(at: number): { length: number; units: number } | undefined {
    if (!this.#escapes || this.#text[at] !== "\\") return undefined;
    const rest = this.#text.slice(at + 1, at + 10);
    const codePoint = (hex: string) => ({
      length: 1 + hex.length,
      units: Number.parseInt(hex.replace("+", ""), 16) > 0xffff ? 2 : 1,
    });
    if (this.#escapes === "unicode") {
      const hex = /^(?:[0-9a-f]{4}|\+[0-9a-f]{6})/i.exec(rest)?.[0];
      return hex ? codePoint(hex) : { length: 2, units: 1 };
    }
    const unicode = /^(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/.exec(rest)?.[0];
    if (unicode) return { ...codePoint(unicode.slice(1)), length: 1 + unicode.length };
    const bytes = /^(?:[0-7]{1,3}|x[0-9a-f]{1,2})/i.exec(rest)?.[0];
    return { length: 1 + (bytes?.length ?? 1), units: 1 };
  }
}

/** The first code token of a statement, lower-cased; undefined when the lexer rejects it. */
function firstToken(sql: string): string | undefined {
  try {
    return sqlTokens(sql)
      .find((token) => !token.comment)
      ?.text.toLowerCase();
  } catch {
    return undefined;
  }
}
