CREATE TABLE "personal_access_token" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_prefix" text NOT NULL,
	"scopes" text[] DEFAULT '{}' NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "personal_access_token_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "personal_access_token" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "personal_access_token" ADD CONSTRAINT "personal_access_token_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "personal_access_token_userId_idx" ON "personal_access_token" USING btree ("user_id");--> statement-breakpoint
CREATE POLICY "personal_access_token_select" ON "personal_access_token" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("user_id" = (SELECT current_setting('app.user_id', true)));--> statement-breakpoint
CREATE POLICY "personal_access_token_insert" ON "personal_access_token" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("user_id" = (SELECT current_setting('app.user_id', true)));--> statement-breakpoint
CREATE POLICY "personal_access_token_update" ON "personal_access_token" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("user_id" = (SELECT current_setting('app.user_id', true))) WITH CHECK ("user_id" = (SELECT current_setting('app.user_id', true)));--> statement-breakpoint
CREATE POLICY "personal_access_token_delete" ON "personal_access_token" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("user_id" = (SELECT current_setting('app.user_id', true)));