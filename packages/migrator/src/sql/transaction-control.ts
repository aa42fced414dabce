/**
 * Transaction control written into a migration (`BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, …).
 * Inside a migration the runner wraps in one transaction it ends or undoes part of that
 * transaction behind the runner's back: `CREATE TABLE a; ROLLBACK; CREATE TABLE b;` loses `a` and
 * still records the migration; `COMMIT;` before a failing statement keeps half of it. In a
 * migration that runs statement by statement, every `BEGIN` must be closed before the next one and
 * before the end, or the session is left inside a transaction. The runner refuses both before
 * anything runs; the review reports them.
 */
import { stringField } from "./ast.ts";
import type { ParsedMigration, ReviewStatement, SqlUnit } from "./parse-migration.ts";

/** One statement that breaks the migration's transaction model. */
export interface TransactionControlProblem {
  statement: ReviewStatement;
  /** The statement as written, e.g. `ROLLBACK`. */
  command: string;
  /** Why it is a problem here. */
  reason: string;
}

const COMMANDS: Record<string, string> = {
  TRANS_STMT_BEGIN: "BEGIN",
  TRANS_STMT_START: "START TRANSACTION",
  TRANS_STMT_COMMIT: "COMMIT",
  TRANS_STMT_ROLLBACK: "ROLLBACK",
  TRANS_STMT_SAVEPOINT: "SAVEPOINT",
  TRANS_STMT_RELEASE: "RELEASE SAVEPOINT",
  TRANS_STMT_ROLLBACK_TO: "ROLLBACK TO SAVEPOINT",
  TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
  TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
  TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
};

/** The top-level transaction statements of a migration (not those inside a DO block's body). */
function transactionStatements(
  migration: ParsedMigration,
): { statement: ReviewStatement; unit: SqlUnit; kind: string }[] {
  return migration.statements.flatMap((statement) =>
    statement.units
      .filter((unit) => unit.type === "TransactionStmt" && !unit.guards.inDoBlock)
      .map((unit) => ({ statement, unit, kind: stringField(unit.node, "kind") ?? "" })),
  );
}

/**
 * What is wrong with the transaction statements of a migration. `inTransaction`: whether the
 * runner wraps the migration in one transaction (no directive, not declared self-managed).
 */
export function transactionControlProblems(
  migration: ParsedMigration,
  inTransaction: boolean,
): TransactionControlProblem[] {
  const found = transactionStatements(migration);
  if (inTransaction) {
    return found.map(({ statement, kind }) => ({
      statement,
      command: COMMANDS[kind] ?? kind,
      reason:
        "the runner applies this migration in one transaction with its bookkeeping row; this statement ends or undoes part of that transaction, so part of the migration would be lost or kept without a record",
    }));
  }
  const problems: TransactionControlProblem[] = [];
  let open: ReviewStatement | undefined;
  for (const { statement, kind } of found) {
    const command = COMMANDS[kind] ?? kind;
    if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") {
      if (open)
        problems.push({ statement, command, reason: `a transaction is already open (line ${open.position.line})` });
      open = statement;
    } else if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") {
      open = undefined;
    } else if (kind === "TRANS_STMT_PREPARE") {
      problems.push({ statement, command, reason: "a prepared transaction outlives the session and holds its locks" });
    }
  }
  if (open) {
    problems.push({
      statement: open,
      command: "BEGIN",
      reason: "the transaction it opens is never committed: the session would stay inside it for the next migration",
    });
  }
  return problems;
}

/**
 * Whether the session is inside a transaction block the migration opened itself once `statement`
 * has run, given whether it was before: a top-level `BEGIN`/`START TRANSACTION` opens one, `COMMIT`
 * or `ROLLBACK` (without `AND CHAIN`) and `PREPARE TRANSACTION` end it. Statement by statement, the
 * runner sends nothing of its own inside such a block: `SET TRANSACTION ISOLATION LEVEL` must come
 * before any query of the transaction.
 */
export function inOwnTransactionAfter(statement: ReviewStatement, before: boolean): boolean {
  let open = before;
  for (const unit of statement.units) {
    if (unit.type !== "TransactionStmt" || unit.guards.inDoBlock) continue;
    const kind = stringField(unit.node, "kind");
    if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") open = true;
    else if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") open = unit.node["chain"] === true;
    else if (kind === "TRANS_STMT_PREPARE") open = false;
  }
  return open;
}

/** PL/pgSQL statements of a `DO` block that may commit: COMMIT, ROLLBACK, a CALL (a procedure may), an EXECUTE (of anything). */
const MAY_COMMIT = new Set(["commit", "rollback", "call", "dynexecute"]);

/**
 * Whether a statement may commit part of its own work as it runs: a `DO` block whose body has
 * `COMMIT` or `ROLLBACK` (batches), a `CALL` (a procedure may commit) or an `EXECUTE`, or a
 * top-level `CALL`. Run statement by statement, such a statement is not retried after a lock
 * timeout (its committed batches would run again), and a failure says part of it may have
 * committed.
 */
export function commitsWithin(statement: ReviewStatement): boolean {
  return statement.units.some(
    (unit) => unit.type === "CallStmt" || (unit.doBlock?.opaque.some((kind) => MAY_COMMIT.has(kind)) ?? false),
  );
}

/** Whether a statement is a top-level `COMMIT AND CHAIN`: what came before it is committed, and a new transaction begins. */
export function commitsAndChains(statement: ReviewStatement): boolean {
  return statement.units.some(
    (unit) =>
      unit.type === "TransactionStmt" &&
      !unit.guards.inDoBlock &&
      stringField(unit.node, "kind") === "TRANS_STMT_COMMIT" &&
      unit.node["chain"] === true,
  );
}
