/**
 * A migration file's text, refusing bytes that are not UTF-8 (reading them as UTF-8 would replace
 * them with U+FFFD and send that to the database) and NUL, which is UTF-8 but which PostgreSQL's
 * protocol cannot carry (its strings end at a NUL: the server refuses the message).
 */

/** Where in a file a byte is. */
export interface BytePosition {
  /** 0-based byte offset. */
  offset: number;
  /** 1-based line it is on. */
  line: number;
}

/**
 * Decodes UTF-8, or tells where the first invalid byte is. A leading byte order mark stays in the
 * text (U+FEFF), so the reader can warn about it.
 *
 * @example decodeUtf8(Buffer.from([0x61, 0x0a, 0xff])) // { ok: false, at: { offset: 2, line: 2 } }
 */
export function decodeUtf8(bytes: Buffer): { ok: true; text: string } | { ok: false; at: BytePosition } {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const text = bytes.toString("utf8");
    let offset = 0;
    let line = 1;
    for (const char of text) {
      const size = Buffer.byteLength(char, "utf8");
      const replaced = char === "\uFFFD" && !bytes.subarray(offset, offset + 3).equals(Buffer.from([0xef, 0xbf, 0xbd]));
      if (replaced) return { ok: false, at: { offset, line } };
      if (char === "\n") line++;
      offset += size;
    }
    return { ok: false, at: { offset, line } };
  }
}

/**
 * Where the first NUL byte is, if any.
 *
 * @example nulByte(Buffer.from("a;\n\0")) // { offset: 3, line: 2 }
 */
export function nulByte(bytes: Buffer): BytePosition | undefined {
  const offset = bytes.indexOf(0);
  if (offset < 0) return undefined;
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < offset; at = bytes.indexOf(0x0a, at + 1)) line++;
  return { offset, line };
}
