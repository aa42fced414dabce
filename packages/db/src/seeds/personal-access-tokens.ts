/**
 * Writes seeded personal access tokens as their owner: a transaction with `app.user_id` set and
 * `SET LOCAL ROLE authenticated`, so the table's user-scoped RLS policies check every row.
 * This is the one place to switch to the token library's `createPAT` once it exists.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { type SeedTableCount, sumCounts } from "@repo/migrator";
import type { Database } from "../client.ts";
import { personalAccessToken } from "../schema/mcp.ts";
import type { DevTokenSeed } from "./data/development.ts";
import { insertMissing } from "./insert-missing.ts";

/** SHA-256 (hex) of a token: only the hash is stored. */
function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

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
      await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.user_id', ${userId}, true)`);
        await tx.execute(sql`set local role authenticated`);
        return insertMissing(tx, personalAccessToken, [
          {
            id: token.id,
            userId,
            name: token.name,
            tokenHash: hashToken(token.token),
            tokenPrefix: token.token.slice(0, 12),
            scopes: token.scopes,
            revokedAt: token.revoked ? new Date("2026-09-01T00:00:00Z") : null,
          },
        ]);
      }),
    );
  }
  return sumCounts(counts);
}
