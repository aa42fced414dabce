import type { SqlUnit } from "../../sql/parse-migration.ts";
import { missingGuard } from "../guards.ts";
import { repeatedDataChange } from "../repeated-data-change.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** Why running the statement again after a partial failure goes wrong (fails, or changes the data again), or undefined. */
function rerunProblem(unit: SqlUnit): string | undefined {
  const guard = missingGuard(unit);
  if (guard) return `${guard}: this no-transaction migration cannot be retried after a partial failure`;
  const repeated = repeatedDataChange(unit);
  return (
    repeated && `${repeated}: a retry of this no-transaction migration after a partial failure changes the data again`
  );
}

/** A migration run outside a transaction can stop half-way, so it must be safe to run again. */
export const noTransactionNotRerunnable: Rule = {
  id: "no-transaction-not-rerunnable",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a `-- migrator:no-transaction` migration with a statement that fails, or changes data again, when run twice",
  explanation:
    "A migration whose first line is `-- migrator:no-transaction` runs statement by statement without a transaction " +
    "(needed for CREATE INDEX CONCURRENTLY or an enum value used right after). If it fails half-way, the statements " +
    "before the failure stay applied and the retry runs them again, so every statement must be guarded, and every data " +
    "change must leave the data as it is when it runs a second time: an INSERT needs ON CONFLICT or " +
    "`INSERT … SELECT … WHERE NOT EXISTS (…)` on its table, an UPDATE (or MERGE … UPDATE, ON CONFLICT DO UPDATE) must " +
    "not set a column from a column it sets (`SET n = n + 1`; the column itself, `coalesce(c, …)`, `lower(c)`, `upper(c)`, " +
    "a trim of it and `greatest(c, …)` or `least(c, …)` settle on the first run and pass), a MERGE … WHEN NOT MATCHED " +
    "THEN INSERT must match on a second run the row it inserted (ON only `target.column = expression`, each inserted as " +
    "that expression), and a COPY … FROM adds its rows again. " +
    "The NOT EXISTS must read the target table alone, its WHERE only equalities `t.column = expression` with each " +
    "column inserted as that same expression, or a second run does not find the row the first inserted. " +
    "An `ON CONFLICT (columns)` never conflicts on a retry when the INSERT leaves a key column out or sets it to " +
    "DEFAULT, `nextval(…)`, `gen_random_uuid()`, `uuid_generate_v4()` or `random()`; a bare `ON CONFLICT DO NOTHING` " +
    "passes, its key being the table's. " +
    "A column read through another range over the target (a self-join in the FROM, a sub-select or CTE over it, a " +
    "MERGE source reading it) counts as a read of the target's column. " +
    "A MERGE with both WHEN MATCHED THEN DELETE and WHEN NOT MATCHED THEN INSERT deletes on a second run what the " +
    "first inserted. " +
    "Statements inside a DO block are judged the same way; an IF around one counts as a guard.",
  help:
    "Guard the statement: IF NOT EXISTS / IF EXISTS, or `DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$;`; " +
    "for an INSERT, ON CONFLICT DO NOTHING or WHERE NOT EXISTS on its table; for an UPDATE, set values that do not " +
    "depend on the columns it sets. If a second run is harmless (an anti-join or `NOT IN` the rule cannot read), accept it with " +
    "`-- review-ignore no-transaction-not-rerunnable: <why>`.",
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
    const message = rerunProblem(unit);
    return message ? [{ statement, position: unitPosition(migration, unit), message }] : [];
  },
};
