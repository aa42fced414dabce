import { databaseErrorFields, type Driver } from "../drivers/driver.ts";
import type { StatementLocation } from "../errors/runner-problem.ts";
import { RunnerError } from "../errors/runner-error.ts";
import type { Migration } from "../journal/migration-folder.ts";
import { firstCodeLine } from "../sql/comments.ts";
import { type MigrationStatement, splitStatements } from "../sql/statements.ts";
import { recordMigration } from "./bookkeeping.ts";
import type { SessionOptions } from "./session-options.ts";

/** PostgreSQL's SQLSTATE for `lock_timeout` (lock_not_available). */
const LOCK_NOT_AVAILABLE = "55P03";

/** A retry after `lock_timeout`, reported so the command can say it is waiting. */
export interface LockRetry {
  tag: string;
  attempt: number;
  of: number;
  delayMs: number;
}

/** How one migration went. */
export interface AppliedMigration {
  tag: string;
  durationMs: number;
  attempts: number;
  transaction: boolean;
}

/**
 * Applies one migration. Normally in one transaction with its bookkeeping row, so it is applied
 * whole or not at all. With the no-transaction directive, statement by statement in autocommit and
 * the row last (such a migration must be re-runnable). A `lock_timeout` is retried with doubling
 * delays `lockRetries` times, then fails with `lock-timeout`; any other error fails with
 * `migration-failed`, naming the statement.
 */
export async function applyMigration(
  driver: Driver,
  migration: Migration,
  options: SessionOptions,
  onRetry: (retry: LockRetry) => void = () => undefined,
): Promise<AppliedMigration> {
  const started = performance.now();
  const statements = splitStatements(migration.sql);
  const of = options.lockRetries + 1;
  let attempts = 0;
  const withRetries = async (work: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      attempts++;
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof StatementFailure) || error.fields.code !== LOCK_NOT_AVAILABLE)
          throw toMigratorError(migration, error, attempts, options);
        if (attempt >= of) throw toMigratorError(migration, error, attempts, options);
        const delayMs = options.retryDelayMs * 2 ** (attempt - 1);
        onRetry({ tag: migration.tag, attempt, of, delayMs });
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  };
  if (migration.noTransaction) {
    for (const statement of statements) await withRetries(() => run(driver, statement));
    await recordMigration(driver, migration.hash, migration.when);
  } else {
    await withRetries(async () => {
      await driver.exec("BEGIN");
      try {
        for (const statement of statements) await run(driver, statement);
        await recordMigration(driver, migration.hash, migration.when);
        await driver.exec("COMMIT");
      } catch (error) {
        await driver.exec("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }
  return {
    tag: migration.tag,
    durationMs: Math.round(performance.now() - started),
    attempts,
    transaction: !migration.noTransaction,
  };
}

class StatementFailure {
  constructor(
    readonly statement: MigrationStatement,
    readonly fields: ReturnType<typeof databaseErrorFields>,
  ) {}
}

async function run(driver: Driver, statement: MigrationStatement): Promise<void> {
  try {
    await driver.exec(statement.sql);
  } catch (error) {
    throw new StatementFailure(statement, databaseErrorFields(error));
  }
}

function toMigratorError(migration: Migration, error: unknown, attempts: number, options: SessionOptions): Error {
  if (!(error instanceof StatementFailure)) return error instanceof Error ? error : new Error(String(error));
  const { statement, fields } = error;
  const at: StatementLocation = {
    tag: migration.tag,
    file: migration.file,
    statement: statement.index,
    line: statement.line,
    firstLine: firstCodeLine(statement.sql),
  };
  if (fields.position !== undefined) {
    at.errorLine = statement.line + (statement.sql.slice(0, fields.position - 1).match(/\n/g)?.length ?? 0);
  }
  if (fields.code === LOCK_NOT_AVAILABLE) {
    return new RunnerError({
      kind: "lock-timeout",
      at,
      attempts,
      lockTimeoutMs: options.lockTimeoutMs,
      database: fields,
    });
  }
  const missingExtension = missingExtensionName(fields.message);
  return new RunnerError({
    kind: "migration-failed",
    at,
    database: fields,
    ...(missingExtension ? { missingExtension } : {}),
  });
}

/** The extension a `CREATE EXTENSION` could not find (PostgreSQL 15 and 16+ word it differently). */
function missingExtensionName(message: string): string | undefined {
  return (
    /extension "([^"]+)" is not available/.exec(message)?.[1] ??
    /could not open extension control file "[^"]*\/([^/"]+)\.control"/.exec(message)?.[1]
  );
}
