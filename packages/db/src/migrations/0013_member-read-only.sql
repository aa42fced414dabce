-- member becomes read-only for the tenant role. user_select (0010) shows a user to the members of
-- the tenant through an EXISTS over member, so a tenant statement that inserted a member row for
-- any user id, or moved one to another user, then saw that user's profile. Better Auth writes
-- member as the owner; the tenant keeps member_select. db:rls requires this
-- (RLS_CONFIG.readOnlyTenantTables); the policies are dropped by Drizzle Kit, the grants by hand.
-- review-ignore drop-statement: the tenant's write policies on member are what let it grant itself users; nothing may use them
DROP POLICY IF EXISTS "member_insert" ON "member" CASCADE;--> statement-breakpoint
-- review-ignore drop-statement: as above
DROP POLICY IF EXISTS "member_update" ON "member" CASCADE;--> statement-breakpoint
-- review-ignore drop-statement: as above
DROP POLICY IF EXISTS "member_delete" ON "member" CASCADE;--> statement-breakpoint
-- Manual addition: 0001 grants INSERT, UPDATE, DELETE on every table to authenticated; member is read-only for it
REVOKE INSERT, UPDATE, DELETE ON "member" FROM "authenticated";
