import { describe, expect, it } from "vitest";
import { cappedList } from "./capped-list.ts";

const tags = (n: number) => Array.from({ length: n }, (_, i) => `${String(i).padStart(4, "0")}_m`);

describe("cappedList", () => {
  it("lists every item up to the limit, and says nothing of a cut", () => {
    expect(cappedList([])).toBe("");
    expect(cappedList(tags(10))).toBe(tags(10).join(", "));
    expect(cappedList(tags(10), { keep: "last" })).toBe(tags(10).join(", "));
  });

  it("past the limit, keeps the first items and counts the rest", () => {
    expect(cappedList(tags(11))).toBe(`${tags(10).join(", ")}, … and 1 more`);
    expect(cappedList(tags(1000), { max: 2 })).toBe("0000_m, 0001_m, … and 998 more");
  });

  it("with keep: last, keeps the newest items and counts the ones before them", () => {
    expect(cappedList(tags(11), { keep: "last" })).toBe(`… 1 before, ${tags(11).slice(1).join(", ")}`);
    expect(cappedList(tags(1000), { max: 2, keep: "last" })).toBe("… 998 before, 0998_m, 0999_m");
  });
});
