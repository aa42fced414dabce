import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth, type Auth } from "../auth-bootstrap.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-database.ts";

let t: TestDatabase;
let auth: Auth;
beforeAll(async () => {
  t = await createTestDatabase();
  auth = createAuth(t.db);
});
afterAll(async () => {
  await t?.close();
});

/** Signs a user up and returns request headers carrying their session cookie. */
async function signUp(email: string, name: string): Promise<Headers> {
  const { headers } = await auth.api.signUpEmail({
    body: { email, name, password: "correct-horse-battery" },
    returnHeaders: true,
  });
  const cookie = headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toContain("session_token");
  return new Headers({ cookie });
}

describe("Better Auth on the migrated schema", () => {
  it("signs up, creates an organization, invites and accepts a member", async () => {
    const alice = await signUp("alice@example.com", "Alice");
    const session = await auth.api.getSession({ headers: alice });
    expect(session?.user.email).toBe("alice@example.com");

    const org = await auth.api.createOrganization({
      body: { name: "Acme Research", slug: "acme-research" },
      headers: alice,
    });
    expect(org?.slug).toBe("acme-research");

    const invite = await auth.api.createInvitation({
      body: { email: "bob@example.com", role: "member", organizationId: org!.id },
      headers: alice,
    });
    expect(invite.status).toBe("pending");

    const bob = await signUp("bob@example.com", "Bob");
    const accepted = await auth.api.acceptInvitation({ body: { invitationId: invite.id }, headers: bob });
    expect(accepted?.member.role).toBe("member");

    const full = await auth.api.getFullOrganization({ query: { organizationId: org!.id }, headers: alice });
    const members = full?.members.map((m) => [m.user.email, m.role]).sort();
    expect(members).toEqual([
      ["alice@example.com", "owner"],
      ["bob@example.com", "member"],
    ]);

    const [row] = await t.driver.query<{ type: string; status: string }>(
      `select o.type, i.status from organization o join invitation i on i.organization_id = o.id where o.id = $1`,
      [org!.id],
    );
    expect(row).toEqual({ type: "personal", status: "accepted" });
  });
});
