import { missingGuard } from "../guards.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** From the guard baseline on, every migration must be re-runnable. */
export const missingGuardRule: Rule = {
  id: "missing-guard",
  defaultSeverity: "error",
  source: "static",
  summary: "from the guard baseline on: CREATE/ADD without IF NOT EXISTS, DROP without IF EXISTS",
  explanation:
    "From the configured guard baseline on, the wiki promises that every migration can run a second time without error " +
    "(a half-applied deploy can be retried). CREATE TABLE/INDEX/EXTENSION/SCHEMA and ADD COLUMN need IF NOT EXISTS, " +
    "DROP needs IF EXISTS, and CREATE POLICY / ADD CONSTRAINT (which have no IF NOT EXISTS) need a " +
    "`DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$` wrapper.",
  help: "Add IF NOT EXISTS / IF EXISTS, or wrap the statement in `DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$;`.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'CREATE INDEX "ai_usage_organizationId_idx" ON "ai_usage" USING btree ("organization_id");',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'CREATE INDEX IF NOT EXISTS "ai_usage_organizationId_idx" ON "ai_usage" USING btree ("organization_id");',
    },
  },
  checkUnit({ migration, statement, unit, mustBeRerunnable }) {
    if (!mustBeRerunnable || unit.type === "CreateEnumStmt" || unit.type === "AlterEnumStmt") return [];
    const why = missingGuard(unit);
    return why
      ? [
          {
            statement,
            position: unitPosition(migration, unit),
            message: `${why}: the migration fails when run a second time`,
          },
        ]
      : [];
  },
};
