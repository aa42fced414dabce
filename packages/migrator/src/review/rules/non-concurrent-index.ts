import { objectField, stringField } from "../../sql/ast.ts";
import { tableName } from "../object-names.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** CREATE INDEX on an existing table blocks writes for as long as the build takes. */
export const nonConcurrentIndex: Rule = {
  id: "non-concurrent-index",
  defaultSeverity: "warning",
  source: "static",
  summary: "CREATE INDEX without CONCURRENTLY on a table that already existed",
  explanation:
    "A plain CREATE INDEX takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the index is " +
    "built. CONCURRENTLY avoids that, but cannot run inside a transaction, so the migration needs the " +
    "`-- migrator:no-transaction` directive (and must then be re-runnable).",
  help: "Use `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` in a migration whose first line is `-- migrator:no-transaction`.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: 'CREATE INDEX "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    if (unit.type !== "IndexStmt" || unit.node["concurrent"] === true) return [];
    const table = tableName(objectField(unit.node, "relation"));
    if (!state.existedBefore(table, migration.file)) return [];
    const name = stringField(unit.node, "idxname") ?? "";
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `index "${name}" on the existing table "${table}" is built without CONCURRENTLY: writes to "${table}" wait until it is built`,
      },
    ];
  },
};
