import { describe, expect, it } from "vitest";
import { MIGRATOR_LOCK_KEY } from "./advisory-lock.ts";

describe("the migrator's advisory lock key", () => {
  it('is the ASCII bytes of "migrator" read as a bigint, as documented', () => {
    expect(BigInt(MIGRATOR_LOCK_KEY)).toBe(BigInt(`0x${Buffer.from("migrator").toString("hex")}`));
  });

  it("fits PostgreSQL's bigint, which pg_advisory_lock takes", () => {
    expect(BigInt(MIGRATOR_LOCK_KEY) <= 2n ** 63n - 1n).toBe(true);
  });
});
