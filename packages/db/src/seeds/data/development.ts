/**
 * The development tier's people and organizations: a few of each tenant type, with members,
 * invitations and personal access tokens. Everything here is demo data for local databases;
 * the development tier refuses to run in production.
 */
import type { tenantTypeEnum } from "../../schema/enums.ts";

/** Every seeded user signs in with this password (documented in the README). */
export const DEV_PASSWORD = "trovella-dev-password";

interface DevUserSeed {
  key: string;
  name: string;
  email: string;
}

export interface DevOrganizationSeed {
  /** Deterministic id: `org_dev_<slug>`. */
  id: string;
  slug: string;
  name: string;
  type: (typeof tenantTypeEnum.enumValues)[number];
  /** User key → role (`owner`, `admin`, `member`). The first owner acts for the organization. */
  members: Record<string, "owner" | "admin" | "member">;
  invitations: { email: string; role: "admin" | "member"; status: "pending" | "accepted" | "rejected" | "canceled" }[];
}

export interface DevTokenSeed {
  id: string;
  user: string;
  name: string;
  /** The plaintext token: development only, so a local MCP client can use it. */
  token: string;
  scopes: string[];
  revoked: boolean;
}

export const DEV_USERS: DevUserSeed[] = [
  { key: "alice", name: "Alice Martin", email: "alice@example.com" },
  { key: "bob", name: "Bob Chen", email: "bob@example.com" },
  { key: "carol", name: "Carol Garcia", email: "carol@example.com" },
  { key: "dave", name: "Dave Garcia", email: "dave@example.com" },
  { key: "erin", name: "Erin Okafor", email: "erin@example.com" },
];

export const DEV_ORGANIZATIONS: DevOrganizationSeed[] = [
  {
    id: "org_dev_alice",
    slug: "alice",
    name: "Alice Martin",
    type: "personal",
    members: { alice: "owner" },
    invitations: [],
  },
  { id: "org_dev_bob", slug: "bob", name: "Bob Chen", type: "personal", members: { bob: "owner" }, invitations: [] },
  {
    id: "org_dev_garcia-family",
    slug: "garcia-family",
    name: "The Garcia Family",
    type: "family",
    members: { carol: "owner", dave: "member" },
    invitations: [{ email: "grandma.garcia@example.com", role: "member", status: "pending" }],
  },
  {
    id: "org_dev_okafor-household",
    slug: "okafor-household",
    name: "Okafor Household",
    type: "family",
    members: { erin: "owner", bob: "member" },
    invitations: [],
  },
  {
    id: "org_dev_acme-research",
    slug: "acme-research",
    name: "Acme Research",
    type: "company",
    members: { alice: "owner", bob: "admin", carol: "member" },
    invitations: [
      { email: "new.analyst@example.com", role: "member", status: "pending" },
      { email: "former.contractor@example.com", role: "member", status: "canceled" },
    ],
  },
  {
    id: "org_dev_northwind",
    slug: "northwind",
    name: "Northwind Analytics",
    type: "company",
    members: { dave: "owner", erin: "member" },
    invitations: [{ email: "ops@example.com", role: "admin", status: "pending" }],
  },
];

export const DEV_TOKENS: DevTokenSeed[] = [
  {
    id: "pat_dev_alice_desktop",
    user: "alice",
    name: "Claude Desktop",
    token: "trv_pat_dev_alice_desktop_0001",
    scopes: ["research:read", "research:write"],
    revoked: false,
  },
  {
    id: "pat_dev_alice_old_laptop",
    user: "alice",
    name: "Old laptop",
    token: "trv_pat_dev_alice_old_laptop_0002",
    scopes: ["research:read"],
    revoked: true,
  },
  {
    id: "pat_dev_dave_cli",
    user: "dave",
    name: "Northwind CLI",
    token: "trv_pat_dev_dave_cli_0003",
    scopes: ["research:read"],
    revoked: false,
  },
];
