/** The header db:revert writes names the tag it reverses; a rename rewrites that name and nothing else. */
import { describe, expect, it } from "vitest";
import { retargetRevertHeader, revertedTag, revertHeader } from "./revert-header.ts";

describe("retargetRevertHeader", () => {
  it("writes a new tag as it is, `$` patterns included, and keeps the line's CRLF", () => {
    for (const renamed of ["0017_price$'", "0017_a$$b", "0017_a$&b"]) {
      const sql = `${revertHeader("0016_b")}\r\nDROP TABLE "b";\r\n`;
      const moved = retargetRevertHeader(sql, new Map([["0016_b", renamed]]));
      expect(moved).toBe(`${revertHeader(renamed)}\r\nDROP TABLE "b";\r\n`);
      expect(revertedTag(moved)).toBe(renamed);
    }
  });

  it("leaves a migration whose header names a tag that did not move, or that has none, byte for byte", () => {
    const renames = new Map([["0016_b", "0017_b"]]);
    const other = `${revertHeader("0015_a")}\nDROP TABLE "a";\n`;
    expect(retargetRevertHeader(other, renames)).toBe(other);
    const none = 'CREATE TABLE "c" ("id" integer);\n';
    expect(retargetRevertHeader(none, renames)).toBe(none);
  });
});
