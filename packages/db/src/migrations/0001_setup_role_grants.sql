-- Manual addition: role grants for the RLS roles (hand-written; Drizzle Kit cannot generate grants).
-- Everything here is idempotent: roles are created only if missing, GRANT/REVOKE can be repeated.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE "authenticated" NOLOGIN NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anonymous') THEN
    CREATE ROLE "anonymous" NOLOGIN NOBYPASSRLS;
  END IF;
END $$;--> statement-breakpoint
-- Manual addition: let the migrating user switch to "authenticated" (withTenantContext runs
-- SET LOCAL ROLE authenticated). A superuser is a member of every role already; a managed
-- server's admin user (Cloud SQL) is not.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'authenticated', 'MEMBER') THEN
    EXECUTE format('GRANT "authenticated" TO %I', current_user);
  END IF;
END $$;--> statement-breakpoint
-- Manual addition: "authenticated" may use every table; RLS policies decide which rows.
GRANT USAGE ON SCHEMA "public" TO "authenticated";--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "authenticated";--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "authenticated";--> statement-breakpoint
-- Manual addition: default privileges, so tables created by later migrations are granted too.
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "authenticated";--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT USAGE, SELECT ON SEQUENCES TO "authenticated";--> statement-breakpoint
-- Manual addition: credentials stay with Better Auth, which uses the bare connection. Sessions,
-- password hashes and verification tokens have no tenant column and no policies, so a grant would
-- let any tenant read every user's credentials.
REVOKE ALL ON "session", "account", "verification" FROM "authenticated";
