/**
 * MCP access: personal access tokens (user-scoped, not tenant-scoped) and the log of MCP tool
 * calls (tenant-scoped).
 */
import { relations } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth.ts";
import { baseColumns, tenantColumns, tenantPolicies, userPolicies } from "./base.ts";

/**
 * A user's personal access token for the MCP server. Only a SHA-256 hash of the token is stored;
 * `token_prefix` (the first characters) lets a user recognise it in a list. User-scoped RLS on
 * `app.user_id`: a user sees only their own tokens.
 */
export const personalAccessToken = pgTable(
  "personal_access_token",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    tokenPrefix: text("token_prefix").notNull(),
    scopes: text("scopes").array().default([]).notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    ...baseColumns,
  },
  (t) => [...userPolicies("personal_access_token"), index("personal_access_token_userId_idx").on(t.userId)],
).enableRLS();

/** Every MCP tool call, for audit and debugging. */
export const mcpToolCallLog = pgTable(
  "mcp_tool_call_log",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    tokenId: text("token_id").references(() => personalAccessToken.id, { onDelete: "set null" }),
    toolName: text("tool_name").notNull(),
    arguments: jsonb("arguments").$type<Record<string, unknown>>(),
    resultSummary: text("result_summary"),
    isError: boolean("is_error").default(false).notNull(),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    ...tenantPolicies("mcp_tool_call_log"),
    index("mcp_tool_call_log_organizationId_idx").on(t.organizationId),
    index("mcp_tool_call_log_createdAt_idx").on(t.createdAt),
  ],
).enableRLS();

export const personalAccessTokenRelations = relations(personalAccessToken, ({ one }) => ({
  user: one(user, { fields: [personalAccessToken.userId], references: [user.id] }),
}));

export const mcpToolCallLogRelations = relations(mcpToolCallLog, ({ one }) => ({
  user: one(user, { fields: [mcpToolCallLog.userId], references: [user.id] }),
  token: one(personalAccessToken, {
    fields: [mcpToolCallLog.tokenId],
    references: [personalAccessToken.id],
  }),
}));
