import { arrayField, nodeOf, objectField, relationName, stringField } from "../../sql/ast.ts";
import type { SqlUnit } from "../../sql/parse-migration.ts";
import { type Rule, unitPosition } from "../rule.ts";

/** What a CONCURRENTLY statement is, or undefined for any other statement. */
export function concurrentStatement(unit: SqlUnit): string | undefined {
  if (unit.type === "IndexStmt" && unit.node["concurrent"] === true) {
    return `CREATE INDEX CONCURRENTLY "${stringField(unit.node, "idxname") ?? ""}"`;
  }
  if (unit.type === "DropStmt" && unit.node["concurrent"] === true) return "DROP INDEX CONCURRENTLY";
  if (unit.type === "ReindexStmt") {
    const concurrently = arrayField(unit.node, "params").some(
      (param) => stringField(nodeOf(param, "DefElem"), "defname") === "concurrently",
    );
    if (concurrently) return `REINDEX CONCURRENTLY "${relationName(objectField(unit.node, "relation")) ?? ""}"`;
  }
  return undefined;
}

/** CONCURRENTLY cannot run inside a transaction block, and the runner runs migrations in one. */
export const concurrentIndexInTransaction: Rule = {
  id: "concurrent-index-in-transaction",
  defaultSeverity: "error",
  source: "static",
  summary: "CREATE/DROP/REINDEX … CONCURRENTLY in a migration without `-- migrator:no-transaction`",
  explanation:
    "The runner applies a migration inside one transaction unless its first line is `-- migrator:no-transaction`. " +
    "PostgreSQL refuses CONCURRENTLY inside a transaction block (`cannot run inside a transaction block`), so the " +
    "migration fails on every database it is deployed to, after an empty development database may have hidden nothing.",
  help: "Move the statement into its own migration whose first line is `-- migrator:no-transaction` (db:review --fix does it), with IF NOT EXISTS / IF EXISTS so a retry passes.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"correlation_id" uuid\n);'],
      sql: '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_usage_correlationId_idx" ON "ai_usage" USING btree ("correlation_id");',
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (migration.noTransaction) return [];
    const what = concurrentStatement(unit);
    if (!what) return [];
    // After a top-level COMMIT the migration manages its own transactions (transaction-control
    // reports that): the statement then runs outside a transaction block, as its author meant.
    const committedBefore = migration.statements.some(
      (earlier) =>
        earlier.index < statement.index &&
        earlier.units.some(
          (u) =>
            u.type === "TransactionStmt" && !u.guards.inDoBlock && stringField(u.node, "kind") === "TRANS_STMT_COMMIT",
        ),
    );
    if (committedBefore) return [];
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `${what} in a migration without "-- migrator:no-transaction": PostgreSQL refuses it inside the runner's transaction, so every deploy of this migration fails`,
      },
    ];
  },
};
