import type { Rule, RuleHit } from "../rule.ts";
import { commandsAllowed, grantsTo, TENANT_COMMANDS, unconfinedExpressions } from "./tenant-policies.ts";
import { newTenantTables, statementAt } from "./tenant-tables.ts";

/**
 * Every tenant table needs a policy for each command, for the configured role (a read-only one,
 * select alone), and every policy that lets the role through must keep it to its tenant's rows.
 */
export const rlsPoliciesIncomplete: Rule = {
  id: "rls-policies-incomplete",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a tenant table without all four of select/insert/update/delete policies for the configured role, or with a policy for it TO public or that does not compare the tenant column with a setting",
  explanation:
    "With row-level security on, a command without a policy is denied for the role, so a missing policy breaks the " +
    "application; a policy for another role protects nothing for this one. The wiki's convention is four policies per " +
    "tenant table, each comparing the tenant column with `(SELECT current_setting('app.tenant_id', true))`; a table " +
    "listed in the config's `readOnlyTenantTables` (a membership table that other policies build on, written by the " +
    "server as the owner) needs the select policy alone. Permissive policies add up: one for the role (or PUBLIC) whose " +
    "USING or WITH CHECK does not compare the tenant column with a setting (`USING (true)`) lets every tenant's rows " +
    "through, whatever the others say; one TO public (or without TO) applies to every role, present and future, as " +
    "`db:rls` reports. The policies are checked as the migration leaves them: an ALTER POLICY that " +
    "changes a policy's roles or expressions, or a policy dropped and created again, is checked like a new one.",
  help: "Give the table the four tenant policies in the schema (select, insert, update, delete for the role, each comparing the tenant column with the tenant setting) and regenerate.",
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
    const { migration, before, after, settings } = context;
    const { role, tenantColumn } = settings;
    if (role === undefined || tenantColumn === undefined) return [];
    // A bare type or current_setting the history made its own of may not be PostgreSQL's (the review does not follow search_path).
    const shadowed = (name: string) => after.createdTypeName(name) || after.routinesByName().has(name);
    return [...newTenantTables(context)].flatMap(([table, statement]) => {
      const hits: RuleHit[] = [];
      const granting = after.policies(table).filter((policy) => grantsTo(policy, role));
      // An older policy was checked by its own migration, unless the table only now became a tenant table.
      const becameTenant = !before.isTenantTable(table, tenantColumn) || !after.existedBefore(table, migration.file);
      for (const policy of granting) {
        const changedHere = statementAt(migration, policy.origin);
        if (!changedHere && !becameTenant) continue;
        if (policy.roles.includes("public")) {
          hits.push({
            statement: changedHere ?? statement,
            message: `policy "${policy.name}" on tenant table "${table}" applies TO public: every role, present and future, gets it, not "${role}" alone`,
          });
        }
        for (const { clause, expression } of unconfinedExpressions(policy, tenantColumn, shadowed)) {
          hits.push({
            statement: changedHere ?? statement,
            message: `policy "${policy.name}" on tenant table "${table}" lets "${role}" through ${clause} (${expression}), which does not compare "${tenantColumn}" with a setting: a tenant's session ${clause === "USING" ? "reaches the rows of every tenant" : "can write rows for any tenant"}`,
          });
        }
      }
      const covered = new Set(granting.flatMap(commandsAllowed));
      const needed = settings.readOnlyTenantTables?.includes(table) ? ["select"] : TENANT_COMMANDS;
      const missing = needed.filter((command) => !covered.has(command));
      if (missing.length > 0) {
        hits.push({
          statement,
          message: `tenant table "${table}" has no ${missing.join("/")} polic${missing.length === 1 ? "y" : "ies"} for "${role}": those commands are denied (or unprotected for that role)`,
        });
      }
      return hits;
    });
  },
};
