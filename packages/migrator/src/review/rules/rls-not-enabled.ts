import type { Rule } from "../rule.ts";
import { newTenantTables } from "./tenant-tables.ts";

/** A new tenant table must switch on row-level security in the same migration. */
export const rlsNotEnabled: Rule = {
  id: "rls-not-enabled",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a tenant table created without ENABLE ROW LEVEL SECURITY in the same migration, or an existing one's turned off",
  explanation:
    "A table with the tenant column holds every tenant's rows. Without row-level security, the policies are ignored and " +
    "any tenant's session reads all of them. Drizzle Kit emits the ENABLE statement only when the table is declared " +
    "with `.enableRLS()` or has policies. A partition (PARTITION OF) or child table (INHERITS) of a tenant table has " +
    "its columns but not its row-level security: queried directly, it needs its own. So does a table made with " +
    "`LIKE` (even INCLUDING ALL copies no row-level security or policy) or from a query (CREATE TABLE … AS, SELECT … " +
    "INTO) whose columns include the tenant column; where a query's columns cannot be read (a `*` over a view or a " +
    "function), the table counts as having every column of the tables the query reads.",
  help: 'Declare the table with the tenant policies (or `.enableRLS()`) and regenerate, or add `ALTER TABLE "t" ENABLE ROW LEVEL SECURITY;`.',
  examples: {
    failing: {
      sql: 'CREATE TABLE "skill_execution" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"skill_name" text NOT NULL\n);',
    },
    passing: {
      sql: 'CREATE TABLE "skill_execution" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"skill_name" text NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "skill_execution" ENABLE ROW LEVEL SECURITY;',
    },
  },
  checkMigration(context) {
    return [...newTenantTables(context)]
      .filter(([table]) => !context.after.rowLevelSecurity(table))
      .map(([table, statement]) => ({
        statement,
        message:
          context.after.existedBefore(table, context.migration.file) && context.before.rowLevelSecurity(table)
            ? `tenant table "${table}" (has "${context.settings.tenantColumn}") has its row-level security turned off here: its policies stop applying and every tenant can read every row`
            : `tenant table "${table}" (has "${context.settings.tenantColumn}") is created without ENABLE ROW LEVEL SECURITY: every tenant can read every row`,
      }));
  },
};
