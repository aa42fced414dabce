/**
 * Writes seeded personal access tokens as their owner (`withUserContext`), so the table's
 * user-scoped RLS policies check every row. Not `createPAT`: seeded tokens have fixed ids and
 * documented values so that a second run finds them present.
 */
import { type SeedTableCount, sumCounts } from "@repo/migrator";
import { type Database, withUserContext } from "../client.ts";
import { hashPersonalAccessToken } from "../personal-access-tokens.ts";
import { personalAccessToken } from "../schema/mcp.ts";
import type { DevTokenSeed } from "./data/development.ts";
import { insertMissing } from "./insert-missing.ts";

/** Inserts the tokens that are missing, each in its owner's user context. */
export async function seedPersonalAccessTokens(
  db: Database,
  tokens: readonly DevTokenSeed[],
  userIds: ReadonlyMap<string, string>,
): Promise<SeedTableCount[]> {
  const counts: SeedTableCount[] = [];
  for (const token of tokens) {
    const userId = userIds.get(token.user);
    if (!userId) throw new Error(`personal access token ${token.id}: unknown user key ${token.user}`);
    counts.push(
      await withUserContext(
        userId,
        (tx) =>
          insertMissing(tx, personalAccessToken, [
            {
              id: token.id,
              userId,
              name: token.name,
              tokenHash: hashPersonalAccessToken(token.token),
              tokenPrefix: token.token.slice(0, 12),
              scopes: token.scopes,
              revokedAt: token.revoked ? new Date("2026-09-01T00:00:00Z") : null,
            },
          ]),
        db,
      ),
    );
  }
  return sumCounts(counts);
}
