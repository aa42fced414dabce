import { describe, expect, it } from "vitest";
import { charOffsets, codePointsToCharOffset } from "./text-offsets.ts";

const text = "SELECT 'ü🚀' FROM t;";

describe("text offsets: what libpg-query and PostgreSQL count, as string offsets", () => {
  it("reads a parse tree's UTF-8 byte offset after an accent (2 bytes) and an emoji (4 bytes, 2 string units)", () => {
    expect(text.slice(charOffsets(text)(Buffer.byteLength("SELECT 'ü🚀' "))).startsWith("FROM")).toBe(true);
    expect(charOffsets("SELECT 1")(7)).toBe(7);
  });

  it("reads an error's position in characters, an emoji being one", () => {
    expect(text.slice(codePointsToCharOffset(text, [..."SELECT 'ü🚀' "].length)).startsWith("FROM")).toBe(true);
    expect(codePointsToCharOffset("SELECT 1", 7)).toBe(7);
    expect(codePointsToCharOffset("ab", 10)).toBe(2);
  });
});
