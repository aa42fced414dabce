/**
 * Deterministic stand-in embeddings for seed data, so semantic search works on a fresh database
 * without calling an embedding API.
 *
 * Method (feature hashing, a sparse random projection of a bag of words): the text is lower-cased
 * and split into words; stop words and words under three letters are dropped and a plural `s` is
 * stripped. Each remaining word adds ±1 to four of the 1536 dimensions, the dimension and sign
 * chosen by FNV-1a hashes of the word (seeded with the slot number). The sum is scaled to unit
 * length, so the inner product (`<#>`, `halfvec_ip_ops`) is the cosine similarity. Texts that
 * share words point the same way; unrelated texts are nearly orthogonal. Same text, same vector,
 * on every machine.
 */
import { EMBEDDING_DIMENSIONS } from "../schema/search.ts";

/** Recorded in `document_chunk.embedding_model`, so nobody mistakes these for real embeddings. */
export const HASHED_EMBEDDING_MODEL = "seed-hashed-bag-of-words-v1";

const SLOTS = 4;
const STOP_WORDS = new Set(
  "the and for are but not you your with this that from have has had was were will would can could into over under than then them they their there these those what when where which while who whom why how all any each few more most other some such only own same very just also about above below after before again does did doing being been its it's our ours out off per via".split(
    " ",
  ),
);

/** The words of `text` that count for the embedding, in order. */
export function embeddingWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
    .filter((word) => word.length >= 3 && !STOP_WORDS.has(word))
    .map((word) => (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The unit-length hashed embedding of `text` (values rounded to 4 decimals, which `halfvec`
 * stores exactly enough). A text without countable words gets the zero vector.
 *
 * @example hashedEmbedding("heat pump efficiency").length // 1536
 */
export function hashedEmbedding(text: string, dimensions: number = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of embeddingWords(text)) {
    for (let slot = 0; slot < SLOTS; slot += 1) {
      const hash = fnv1a(`${slot}:${word}`);
      vector[hash % dimensions]! += hash >>> 31 === 1 ? 1 : -1;
    }
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => Math.round((value / norm) * 10_000) / 10_000);
}
