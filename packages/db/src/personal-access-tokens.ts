/**
 * Personal access tokens for the MCP server. User-scoped, not tenant-scoped: each function runs
 * in `withUserContext`, so `personal_access_token`'s policies (on `app.user_id`) confine it to
 * the user's own tokens. Only a SHA-256 hash of a token is stored; the token itself is returned
 * once, by `createPAT`, and cannot be shown again.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { type Database, db, withUserContext } from "./client.ts";
import { personalAccessToken } from "./schema/index.ts";

/** Every token starts with this, so a leaked one is recognisable (and secret scanners can match it). */
export const PAT_PREFIX = "trv_pat_";
/** How many characters of a token are stored in clear, for the user to tell tokens apart. */
const DISPLAY_PREFIX_LENGTH = PAT_PREFIX.length + 4;

/** Refused input to a PAT function, raised before the database is touched. */
export class PersonalAccessTokenError extends Error {
  override name = "PersonalAccessTokenError";
}

/** A token as listed: everything but its hash. */
export interface PersonalAccessTokenSummary {
  id: string;
  name: string;
  tokenPrefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const summaryColumns = {
  id: personalAccessToken.id,
  name: personalAccessToken.name,
  tokenPrefix: personalAccessToken.tokenPrefix,
  scopes: personalAccessToken.scopes,
  createdAt: personalAccessToken.createdAt,
  lastUsedAt: personalAccessToken.lastUsedAt,
  expiresAt: personalAccessToken.expiresAt,
  revokedAt: personalAccessToken.revokedAt,
};

/** The stored form of a token: its SHA-256, hex. */
export function hashPersonalAccessToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates a token for `userId` and returns it with its summary. Show `token` to the user now:
 * only its hash and first characters are stored.
 *
 * @example
 * const { token, summary } = await createPAT(userId, { name: "laptop", scopes: ["research:read"] });
 */
export async function createPAT(
  userId: string,
  options: { name: string; scopes?: string[]; expiresAt?: Date },
  database: Database = db,
): Promise<{ token: string; summary: PersonalAccessTokenSummary }> {
  const name = options.name?.trim();
  if (!name) throw new PersonalAccessTokenError("createPAT: name must be a non-empty string");
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
    throw new PersonalAccessTokenError(`createPAT: expiresAt ${options.expiresAt.toISOString()} is in the past`);
  }
  const token = `${PAT_PREFIX}${randomBytes(32).toString("base64url")}`;
  const [summary] = await withUserContext(
    userId,
    (tx) =>
      tx
        .insert(personalAccessToken)
        .values({
          id: `pat_${randomBytes(12).toString("hex")}`,
          userId,
          name,
          tokenHash: hashPersonalAccessToken(token),
          tokenPrefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
          scopes: options.scopes ?? [],
          expiresAt: options.expiresAt ?? null,
        })
        .returning(summaryColumns),
    database,
  );
  if (!summary) throw new PersonalAccessTokenError("createPAT: the insert returned no row");
  return { token, summary };
}

/** The user's tokens, newest first, revoked ones included (with `revokedAt`). */
export async function listUserPATs(userId: string, database: Database = db): Promise<PersonalAccessTokenSummary[]> {
  return withUserContext(
    userId,
    (tx) => tx.select(summaryColumns).from(personalAccessToken).orderBy(desc(personalAccessToken.createdAt)),
    database,
  );
}

/**
 * Revokes one of the user's tokens. Returns false when there is no such token of this user or it
 * was already revoked (another user's token is invisible, so it is never touched).
 */
export async function revokePAT(userId: string, tokenId: string, database: Database = db): Promise<boolean> {
  if (!tokenId?.trim()) throw new PersonalAccessTokenError("revokePAT: tokenId must be a non-empty string");
  const revoked = await withUserContext(
    userId,
    (tx) =>
      tx
        .update(personalAccessToken)
        .set({ revokedAt: new Date() })
        .where(and(eq(personalAccessToken.id, tokenId), isNull(personalAccessToken.revokedAt)))
        .returning({ id: personalAccessToken.id }),
    database,
  );
  return revoked.length === 1;
}
