-- user and organization: RLS with one SELECT policy each (declared in auth.ts), so a tenant reads
-- its own organization, its members and the signed-in user, not every user. A new migration
-- because an applied one never changes (0000 stays as deployed). Guards (DO ... duplicate_object)
-- added by hand so the migration can run again without error; on a database migrated with the
-- rewritten 0000 of commit 36946d2 they skip the policies it already has (recovery:
-- docs/migrations-overview.md).
ALTER TABLE "organization" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "user" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "organization_select" ON "organization" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("id" = (SELECT current_setting('app.tenant_id', true)));
EXCEPTION WHEN duplicate_object THEN null;
END $$;--> statement-breakpoint
DO $$ BEGIN
  CREATE POLICY "user_select" ON "user" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("id" = (SELECT current_setting('app.user_id', true)) OR EXISTS (SELECT 1 FROM "member" WHERE "member"."user_id" = "user"."id" AND "member"."organization_id" = (SELECT current_setting('app.tenant_id', true))));
EXCEPTION WHEN duplicate_object THEN null;
END $$;