/**
 * PostgreSQL's limit on the length of a name, and the names it makes to fit it. The limit is in
 * bytes (NAMEDATALEN - 1): a name with accents or other non-ASCII letters reaches it with fewer
 * characters, and a cut never splits a character.
 */

/** PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * The shortest a cut identifier can be: PostgreSQL's lexer cuts every identifier to 63 bytes
 * without splitting a character (up to 4 bytes), so one of 60 bytes or more may have been cut.
 */
export const SHORTEST_CUT_IDENTIFIER_BYTES = MAX_IDENTIFIER_BYTES - 3;

/**
 * The identifier as PostgreSQL stores it: cut to `limit` bytes without splitting a character.
 *
 * @example clipIdentifier("é".repeat(40)) // 31 × "é" (62 bytes)
 */
export function clipIdentifier(name: string, limit = MAX_IDENTIFIER_BYTES): string {
  let bytes = 0;
  let clipped = "";
  for (const char of name) {
    bytes += Buffer.byteLength(char, "utf8");
    if (bytes > limit) break;
    clipped += char;
  }
  return clipped;
}

/**
 * The name PostgreSQL makes of two names and a label (`<name1>_<name2>_<label>`) for an object the
 * statement does not name, e.g. a serial column's sequence (`<table>_<column>_seq`), as its
 * `makeObjectName` does: while the two names (as stored: each cut to the limit) are longer
 * together than the limit leaves them, a byte is taken off the longer (off `name2` on a tie), then
 * each is cut to a character boundary.
 *
 * @example makeObjectName("note", "id", "seq") // "note_id_seq"
 */
export function makeObjectName(name1: string, name2: string, label: string): string {
  [name1, name2] = [clipIdentifier(name1), clipIdentifier(name2)];
  let bytes1 = Buffer.byteLength(name1, "utf8");
  let bytes2 = Buffer.byteLength(name2, "utf8");
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(label, "utf8") - 2;
  while (bytes1 + bytes2 > room) {
    if (bytes1 > bytes2) bytes1--;
    else bytes2--;
  }
  return `${clipIdentifier(name1, bytes1)}_${clipIdentifier(name2, bytes2)}_${label}`;
}
