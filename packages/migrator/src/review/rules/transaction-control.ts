import { stringField } from "../../sql/ast.ts";
import { NO_TRANSACTION_DIRECTIVE } from "../../sql/statements.ts";
import { type Rule, unitPosition } from "../rule.ts";

/**
 * Transaction control that ends or nests the transaction a migration runs in. Savepoints stay
 * inside it and are fine.
 */
const ENDS_OR_STARTS: Record<string, string> = {
  TRANS_STMT_BEGIN: "BEGIN",
  TRANS_STMT_START: "START TRANSACTION",
  TRANS_STMT_COMMIT: "COMMIT",
  TRANS_STMT_ROLLBACK: "ROLLBACK",
  TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
  TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
  TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
};

/** A migration that runs in a transaction must not end it, nor open one of its own. */
export const transactionControl: Rule = {
  id: "transaction-control",
  defaultSeverity: "error",
  source: "static",
  summary: "BEGIN, COMMIT or ROLLBACK at the top level of a migration that runs in a transaction",
  explanation:
    "The runner applies each migration in a transaction and records it in the same transaction, so a migration is " +
    "applied whole or not at all. A top-level COMMIT ends that transaction early: what follows runs outside it, and " +
    "a failure there leaves the migration half-applied and unrecorded, so the next run applies the first half again. " +
    "BEGIN inside the transaction only warns, and marks a migration written to manage its own transactions. " +
    "Drizzle's own migrator applies such files (it commits with them), which is how some histories came to hold them. " +
    "COMMIT inside a DO block or a procedure's body is not top-level and is not reported.",
  help: `Remove the transaction control; put statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, a backfill committed in batches) in a migration of their own whose first line is \`${NO_TRANSACTION_DIRECTIVE}\`. A migration already applied this way is declared in the project's selfManagedTransactions (docs/adopting.md).`,
  examples: {
    failing: {
      history: ['CREATE TABLE "document" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"storage_key" text\n);'],
      sql: 'UPDATE "document" SET "storage_key" = "id" WHERE "storage_key" IS NULL;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "doc_storage_key_idx" ON "document" USING btree ("storage_key");',
    },
    passing: {
      history: ['CREATE TABLE "document" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"storage_key" text\n);'],
      sql: `${NO_TRANSACTION_DIRECTIVE}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "doc_storage_key_idx" ON "document" USING btree ("storage_key");`,
    },
  },
  checkUnit({ migration, statement, unit }) {
    if (migration.noTransaction || unit.type !== "TransactionStmt" || unit.guards.inDoBlock) return [];
    const command = ENDS_OR_STARTS[stringField(unit.node, "kind") ?? ""];
    if (!command) return [];
    const opens = command === "BEGIN" || command === "START TRANSACTION";
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: opens
          ? `${command} inside the transaction the runner applies this migration in: the migration is written to manage its own transactions`
          : `${command} ends the transaction the runner applies this migration in: what follows runs outside it, and a failure there leaves the migration half-applied and unrecorded`,
      },
    ];
  },
};
