import type { Rule } from "../rule.ts";
import { newTenantTables } from "./tenant-tables.ts";

const COMMANDS = ["select", "insert", "update", "delete"] as const;

/** Every tenant table needs a policy for each command, for the configured role (a read-only one, select alone). */
export const rlsPoliciesIncomplete: Rule = {
  id: "rls-policies-incomplete",
  defaultSeverity: "error",
  source: "static",
  summary: "a tenant table without all four of select/insert/update/delete policies for the configured role",
  explanation:
    "With row-level security on, a command without a policy is denied for the role, so a missing policy breaks the " +
    "application; a policy for another role protects nothing for this one. The wiki's convention is four policies per " +
    "tenant table, each comparing the tenant column with `(SELECT current_setting('app.tenant_id', true))`; a table " +
    "listed in the config's `readOnlyTenantTables` (a membership table that other policies build on, written by the " +
    "server as the owner) needs the select policy alone.",
  help: "Give the table the four tenant policies in the schema (select, insert, update, delete for the role) and regenerate.",
  examples: {
    failing: {
      sql: 'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "ai_batch" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint\nCREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
    },
    passing: {
      sql: [
        'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);\n',
        'ALTER TABLE "ai_batch" ENABLE ROW LEVEL SECURITY;',
        'CREATE POLICY "ai_batch_select" ON "ai_batch" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
        'CREATE POLICY "ai_batch_insert" ON "ai_batch" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
        'CREATE POLICY "ai_batch_update" ON "ai_batch" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true))) WITH CHECK ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
        'CREATE POLICY "ai_batch_delete" ON "ai_batch" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("organization_id" = (SELECT current_setting(\'app.tenant_id\', true)));',
      ].join("--> statement-breakpoint\n"),
    },
  },
  checkMigration(context) {
    const { after, settings } = context;
    const { role } = settings;
    if (role === undefined) return [];
    return [...newTenantTables(context)].flatMap(([table, statement]) => {
      const covered = new Set(
        after
          .policies(table)
          .filter((policy) => policy.roles.includes(role) || policy.roles.includes("public"))
          .flatMap((policy) => (policy.command === "all" ? [...COMMANDS] : [policy.command])),
      );
      const needed = settings.readOnlyTenantTables?.includes(table) ? ["select"] : COMMANDS;
      const missing = needed.filter((command) => !covered.has(command));
      if (missing.length === 0) return [];
      return [
        {
          statement,
          message: `tenant table "${table}" has no ${missing.join("/")} polic${missing.length === 1 ? "y" : "ies"} for "${role}": those commands are denied (or unprotected for that role)`,
        },
      ];
    });
  },
};
