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

/** The PL/pgSQL conditions that catch PostgreSQL's refusal (SQLSTATE 25001, class 25). */
const CATCHES_REFUSAL = new Set(["others", "invalid_transaction_state", "active_sql_transaction"]);

/**
 * CONCURRENTLY cannot run inside a transaction block, and the runner runs migrations in one; nor in
 * a DO block (a function), with or without the directive.
 */
export const concurrentIndexInTransaction: Rule = {
  id: "concurrent-index-in-transaction",
  defaultSeverity: "error",
  source: "static",
  summary:
    "CREATE/DROP/REINDEX … CONCURRENTLY in a migration without `-- migrator:no-transaction`, or inside a DO block",
  explanation:
    "The runner applies a migration inside one transaction unless its first line is `-- migrator:no-transaction`. " +
    "PostgreSQL refuses CONCURRENTLY inside a transaction block (`cannot run inside a transaction block`), so the " +
    "migration fails on every database it is deployed to, after an empty development database may have hidden nothing. " +
    "It refuses it inside a DO block too (`cannot be executed from a function`), even in a " +
    "`-- migrator:no-transaction` migration: the statement's own IF NOT EXISTS / IF EXISTS is the guard that makes it " +
    "re-runnable, not a DO block's check.",
  help: "Move the statement, on its own and outside any DO block, into a migration whose first line is `-- migrator:no-transaction` (db:review --fix moves a top-level one), with IF NOT EXISTS / IF EXISTS so a retry passes.",
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
    const what = concurrentStatement(unit);
    if (!what) return [];
    const position = unitPosition(migration, unit);
    // In a DO block it fails whatever the transaction around it: PostgreSQL refuses it in a function.
    if (unit.guards.inDoBlock) {
      const guard = unit.type === "IndexStmt" ? "IF NOT EXISTS" : unit.type === "DropStmt" ? "IF EXISTS" : undefined;
      // A handler for the error (SQLSTATE 25001) lets the migration pass with the statement undone.
      const caught = unit.guards.handles.some((c) => CATCHES_REFUSAL.has(c));
      const outcome = caught
        ? "and the block's exception handler catches the error, so the migration passes without it taking effect"
        : unit.guards.conditional
          ? "so the migration fails whenever the block reaches it"
          : "so every deploy of this migration fails";
      return [
        {
          statement,
          position,
          message: `${what} inside a DO block: PostgreSQL refuses it in a function, with or without "-- migrator:no-transaction", ${outcome}; run it as a top-level statement in a "-- migrator:no-transaction" migration${guard ? `, guarded by its own ${guard}` : ""}`,
        },
      ];
    }
    if (migration.noTransaction) return [];
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
        position,
        message: `${what} in a migration without "-- migrator:no-transaction": PostgreSQL refuses it inside the runner's transaction, so every deploy of this migration fails`,
      },
    ];
  },
};
