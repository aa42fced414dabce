/**
 * A Better Auth instance over Trovella's tables, for the places the wiki allows the bare
 * connection to create users and organizations: seeds and tests. (The web app's own auth setup
 * lives in @repo/auth; this one only needs email + password and the organization plugin.)
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { organization as organizationPlugin } from "better-auth/plugins";
import type { Database } from "./client.ts";
import { account, invitation, member, organization, session, user, verification } from "./schema/auth.ts";

/** Creates a Better Auth server instance that writes through `db` (the bare connection). */
export function createAuth(db: Database, options: { secret?: string; baseURL?: string } = {}) {
  return betterAuth({
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user, session, account, verification, organization, member, invitation },
    }),
    secret: options.secret ?? process.env["BETTER_AUTH_SECRET"] ?? "trovella-local-development-secret-0123456789",
    baseURL: options.baseURL ?? process.env["BETTER_AUTH_URL"] ?? "http://localhost:3000",
    emailAndPassword: { enabled: true },
    plugins: [organizationPlugin()],
    telemetry: { enabled: false },
    logger: { disabled: true },
  });
}

export type Auth = ReturnType<typeof createAuth>;
