import { describe, expect, it } from "vitest";
import { EMBEDDING_DIMENSIONS } from "../../schema/search.ts";
import { embeddingWords, hashedEmbedding } from "../hashed-embedding.ts";
import { chunkText } from "../search.ts";

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i]!, 0);
}

describe("hashedEmbedding", () => {
  it("is a unit vector of the schema's dimensions, the same on every call", () => {
    const vector = hashedEmbedding("Heat pumps keep working below freezing.");
    expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 3);
    expect(hashedEmbedding("Heat pumps keep working below freezing.")).toEqual(vector);
  });

  it("puts texts that share words nearer than texts that do not", () => {
    const query = hashedEmbedding("heat pump efficiency in cold weather");
    const related = hashedEmbedding("Cold-climate heat pumps keep their efficiency at -20 °C.");
    const unrelated = hashedEmbedding("Feed the sourdough starter with warm water and rye flour.");
    expect(dot(query, related)).toBeGreaterThan(0.4);
    expect(Math.abs(dot(query, unrelated))).toBeLessThan(0.15);
  });

  it("counts words without case, stop words, short words or a plural s", () => {
    expect(embeddingWords("The Heat Pumps of a home, and its COP")).toEqual(["heat", "pump", "home", "cop"]);
    expect(hashedEmbedding("the and of")).toEqual(new Array(EMBEDDING_DIMENSIONS).fill(0));
  });
});

describe("chunkText", () => {
  it("makes one chunk per paragraph and cuts long paragraphs at sentence ends", () => {
    const sentence = "This sentence has exactly ten words in it, no more. ";
    const long = sentence.repeat(15).trim();
    const chunks = chunkText(`First paragraph.\n\nSecond paragraph.\n\n${long}`);
    expect(chunks.slice(0, 2)).toEqual(["First paragraph.", "Second paragraph."]);
    expect(chunks.slice(2)).toEqual([sentence.repeat(12).trim(), sentence.repeat(3).trim()]);
  });
});
