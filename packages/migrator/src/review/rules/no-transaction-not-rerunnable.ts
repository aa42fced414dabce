import { missingGuard } from "../guards.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** A migration run outside a transaction can stop half-way, so it must be safe to run again. */
export const noTransactionNotRerunnable: Rule = {
  id: "no-transaction-not-rerunnable",
  defaultSeverity: "error",
  source: "static",
  summary: "a `-- migrator:no-transaction` migration with a statement that fails when run twice",
  explanation:
    "A migration whose first line is `-- migrator:no-transaction` runs statement by statement without a transaction " +
    "(needed for CREATE INDEX CONCURRENTLY or an enum value used right after). If it fails half-way, the statements " +
    "before the failure stay applied and the retry runs them again, so every statement must be guarded.",
  help: "Guard the statement: IF NOT EXISTS / IF EXISTS, or `DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$;`.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (!migration.noTransaction) return [];
    const why = missingGuard(unit);
    return why
      ? [
          {
            statement,
            position: unitPosition(migration, unit),
            message: `${why}: this no-transaction migration cannot be retried after a partial failure`,
          },
        ]
      : [];
  },
};
