import { describe, expect, it } from "vitest";
import { leadingComments } from "./comments.ts";

describe("leadingComments: the comment lines a chunk starts with, and where its code begins", () => {
  it("reads comment and blank lines, indented or not, up to the first line of code", () => {
    const sql = "\n  -- why\r\n\n--no space\n  SELECT 1;\n-- not leading\nSELECT 2;";
    expect(leadingComments(sql)).toEqual({ comments: ["why", "no space"], codeStart: sql.indexOf("SELECT 1") });
  });

  it("gives code start 0 to a chunk of comments only, or nothing", () => {
    expect(leadingComments("-- only\n-- comments\n")).toEqual({ comments: ["only", "comments"], codeStart: 0 });
    expect(leadingComments("")).toEqual({ comments: [], codeStart: 0 });
  });

  it("reads code on the first line, with no line break anywhere", () => {
    expect(leadingComments("SELECT 1")).toEqual({ comments: [], codeStart: 0 });
  });
});
