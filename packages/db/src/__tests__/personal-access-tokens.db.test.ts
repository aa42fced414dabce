import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantContextError, withUserContext } from "../client.ts";
import { createPAT, listUserPATs, PAT_PREFIX, PersonalAccessTokenError, revokePAT } from "../personal-access-tokens.ts";
import { personalAccessToken, user } from "../schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;

/** The messages of an error and its causes (Drizzle wraps the driver's error). */
function errorChain(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(" <- ");
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insert(user).values([
    { id: "user_ann", name: "Ann", email: "ann@example.com" },
    { id: "user_bob", name: "Bob", email: "bob@example.com" },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe("personal access tokens", () => {
  it("shows the token once and stores only its SHA-256 hash and a recognisable prefix", async () => {
    const { token, summary } = await createPAT("user_ann", { name: "laptop", scopes: ["research:read"] }, t.db);
    expect(token.startsWith(PAT_PREFIX)).toBe(true);
    expect(token.length).toBeGreaterThan(PAT_PREFIX.length + 40);
    expect(token.startsWith(summary.tokenPrefix)).toBe(true);
    expect(summary).toMatchObject({ name: "laptop", scopes: ["research:read"], revokedAt: null });
    const [stored] = await t.driver.query<Record<string, unknown>>(
      "select * from personal_access_token where id = $1",
      [summary.id],
    );
    expect(stored?.["token_hash"]).toBe(createHash("sha256").update(token).digest("hex"));
    expect(Object.values(stored ?? {})).not.toContain(token);
  });

  it("gives every token a different value", async () => {
    const first = await createPAT("user_ann", { name: "one" }, t.db);
    const second = await createPAT("user_ann", { name: "two" }, t.db);
    expect(first.token).not.toBe(second.token);
  });

  it("lists only the user's own tokens", async () => {
    const bobs = await createPAT("user_bob", { name: "bob's" }, t.db);
    const annList = await listUserPATs("user_ann", t.db);
    expect(annList.map((p) => p.name).sort()).toEqual(["laptop", "one", "two"]);
    expect(annList.map((p) => p.id)).not.toContain(bobs.summary.id);
    expect(annList[0]).not.toHaveProperty("tokenHash");
    expect((await listUserPATs("user_bob", t.db)).map((p) => p.id)).toEqual([bobs.summary.id]);
  });

  it("revokes a token of the user, never another user's", async () => {
    const { summary } = await createPAT("user_ann", { name: "to revoke" }, t.db);
    expect(await revokePAT("user_bob", summary.id, t.db)).toBe(false);
    const [untouched] = await t.driver.query<{ revoked_at: Date | null }>(
      "select revoked_at from personal_access_token where id = $1",
      [summary.id],
    );
    expect(untouched?.revoked_at).toBeNull();
    expect(await revokePAT("user_ann", summary.id, t.db)).toBe(true);
    expect(await revokePAT("user_ann", summary.id, t.db)).toBe(false);
    const listed = (await listUserPATs("user_ann", t.db)).find((p) => p.id === summary.id);
    expect(listed?.revokedAt).toBeInstanceOf(Date);
  });

  it("does not let a user write a token row for another user", async () => {
    const attempt = withUserContext(
      "user_ann",
      (tx) =>
        tx.insert(personalAccessToken).values({
          id: "pat_forged",
          userId: "user_bob",
          name: "forged",
          tokenHash: "forged",
          tokenPrefix: "forged",
        }),
      t.db,
    );
    await expect(attempt).rejects.toSatisfy((error: unknown) => /row-level security/.test(errorChain(error)));
  });

  it("refuses empty input before touching the database", async () => {
    await expect(createPAT("", { name: "x" }, t.db)).rejects.toBeInstanceOf(TenantContextError);
    await expect(createPAT("user_ann", { name: " " }, t.db)).rejects.toBeInstanceOf(PersonalAccessTokenError);
    await expect(createPAT("user_ann", { name: "old", expiresAt: new Date(0) }, t.db)).rejects.toThrow(/in the past/);
    await expect(revokePAT("user_ann", "", t.db)).rejects.toBeInstanceOf(PersonalAccessTokenError);
  });
});
