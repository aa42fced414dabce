/**
 * Applies one migration to the throwaway database the way the runner does, and measures what
 * each statement did to the relations that existed before the migration: the table locks it took
 * (`pg_locks` of the session, read after the statement and before COMMIT, new ones only), whether
 * it gave a table new storage (`relfilenode` before and after: a rewrite, or TRUNCATE), and how
 * many scans of each table it began (`pg_stat_get_xact_numscans`, counted inside the transaction).
 * The cause of a scan (validation, index build) is inferred from the statement's kind and said so.
 */
import type { Driver } from "../../drivers/driver.ts";
import { databaseErrorFields } from "../../drivers/driver.ts";
import { isObject, objectField, relationName, stringField } from "../../sql/ast.ts";
import { firstCodeLine } from "../../sql/comments.ts";
import type { ParsedMigration, ReviewStatement } from "../../sql/parse-migration.ts";
import { quoteIdent } from "../../sql/quote-ident.ts";
import { concurrentStatement } from "../rules/concurrent-index-in-transaction.ts";
import { alterCommands, declaredConstraints } from "../rules/statement-parts.ts";
import { type HeldLock, readLocks, readRelations, type RelationState } from "./catalog-reads.ts";
import type { LiveDatabase } from "./live-database.ts";
import { type LockMode, lockRank } from "./lock-modes.ts";

/** Relation kinds the evidence is about: tables, partitioned tables, materialized views. */
const TABLE_KINDS = new Set(["r", "p", "m"]);

/** A relation by schema and name. */
export interface RelationName {
  schema: string;
  name: string;
}

/** The strongest lock held on one table the statement locked, named or read. */
export interface StatementLock {
  relation: RelationName;
  mode: LockMode;
  /** The statement was still waiting for it when its session was observed. */
  waiting: boolean;
  /** The line of an earlier statement of the same transaction that took it; absent: this statement took it. */
  heldSince?: number;
}

/** A table that got new storage: rewritten, or emptied by TRUNCATE. */
export interface StorageChange {
  relation: RelationName;
  before: string;
  after: string;
  truncated: boolean;
}

/** What one statement did, and how each part was found out. */
export interface StatementEvidence {
  index: number;
  line: number;
  /** The statement's first line of code. */
  summary: string;
  /** `transaction` (the migration's), `own transaction` (a no-transaction migration's statement), `none` (CONCURRENTLY…). */
  ran: "transaction" | "own transaction" | "none";
  /**
   * On each table that existed before the migration and that the statement locked, named, read or
   * rewrote: the strongest lock its session held after it (taken by it, or earlier in the transaction).
   */
  locks: StatementLock[];
  /** How `locks` was found: `measured` (pg_locks) or `inferred` (from the statement's kind). */
  locksBasis: "measured" | "inferred" | "unknown";
  /** How the locks were read, in words. */
  locksSource: string;
  /** Relfilenode changes, always measured. */
  storage: StorageChange[];
  /** Scans begun per table (measured); undefined where they cannot be counted (outside a transaction). */
  scans?: { relation: RelationName; count: number }[];
  /** Why the statement read the tables, inferred from its kind. */
  scanCause?: "validation" | "index build" | "rewrite" | "query";
}

/** The evidence of one migration. */
export interface MigrationEvidence {
  tag: string;
  file: string;
  statements: StatementEvidence[];
}

/** The first statement that failed, as the database reported it. */
export interface StatementFailure {
  index: number;
  message: string;
}

const IN_TRANSACTION = "pg_locks of its session after the statement, before COMMIT";
const OBSERVED =
  "pg_locks of its session, read from a second session (holding ACCESS SHARE on every table and an open snapshot) while the statement waited for it";
const NOT_OBSERVED =
  "it ran outside a transaction and finished without waiting for the observing session (which holds ACCESS SHARE on every table and an open snapshot), so no lock could be read";
const INFERRED =
  "from the statement's kind, per PostgreSQL's documentation: it runs outside a transaction and the embedded database has one session, so its locks cannot be read";

/** SQLSTATEs of a statement that cannot run inside a transaction block (or function). */
const NEEDS_NO_TRANSACTION = new Set(["25001", "2D000"]);

function failureOf(statement: ReviewStatement, error: unknown): StatementFailure {
  const fields = databaseErrorFields(error);
  return { index: statement.index, message: `${fields.message}${fields.code ? ` (SQLSTATE ${fields.code})` : ""}` };
}

/**
 * Applies the migration on `database` (committing it, as the runner would) and returns what each
 * statement did, or the first failure.
 */
export async function measureMigration(
  database: LiveDatabase,
  migration: ParsedMigration,
): Promise<{ evidence: MigrationEvidence; failure?: StatementFailure }> {
  const evidence: MigrationEvidence = { tag: migration.tag, file: migration.file, statements: [] };
  const failure = migration.noTransaction
    ? await measureOutsideTransaction(database, migration, evidence.statements)
    : await measureInTransaction(database.driver, migration, evidence.statements);
  return failure ? { evidence, failure } : { evidence };
}

async function measureInTransaction(
  driver: Driver,
  migration: ParsedMigration,
  out: StatementEvidence[],
): Promise<StatementFailure | undefined> {
  await driver.exec("BEGIN");
  let failed = false;
  try {
    const existing = await readRelations(driver);
    let previous = existing;
    let held = new Set((await readLocks(driver)).map(lockKey));
    /** The strongest lock the transaction holds per table, and the line of the statement that took it. */
    const strongest = new Map<string, { mode: LockMode; line: number }>();
    for (const statement of migration.statements) {
      try {
        await driver.exec(statement.sql);
      } catch (error) {
        failed = true;
        return failureOf(statement, error);
      }
      const current = await readRelations(driver);
      const locks = await readLocks(driver);
      const fresh = locks.filter((lock) => !held.has(lockKey(lock)));
      held = new Set(locks.map(lockKey));
      for (const lock of fresh) {
        const known = strongest.get(lock.oid);
        if (!known || lockRank(lock.mode) > lockRank(known.mode)) {
          strongest.set(lock.oid, { mode: lock.mode, line: statement.position.line });
        }
      }
      out.push(
        describe(
          statement,
          { existing, previous, current, locks: fresh, scansFrom: previous, strongest },
          {
            ran: "transaction",
            locksBasis: "measured",
            locksSource: IN_TRANSACTION,
          },
        ),
      );
      previous = current;
    }
    return undefined;
  } finally {
    await driver.exec(failed ? "ROLLBACK" : "COMMIT");
  }
}

/**
 * A no-transaction migration: each statement in a transaction of its own (the locks it takes are
 * the same as on its own), except those PostgreSQL refuses inside one (CONCURRENTLY), which run
 * as the runner runs them, watched from a second session where there is one.
 */
async function measureOutsideTransaction(
  database: LiveDatabase,
  migration: ParsedMigration,
  out: StatementEvidence[],
): Promise<StatementFailure | undefined> {
  const { driver } = database;
  const existing = await readRelations(driver);
  for (const statement of migration.statements) {
    const previous = await readRelations(driver);
    await driver.exec("BEGIN");
    let refused = false;
    try {
      await driver.exec(statement.sql);
    } catch (error) {
      await driver.exec("ROLLBACK");
      if (!NEEDS_NO_TRANSACTION.has(databaseErrorFields(error).code ?? "")) return failureOf(statement, error);
      refused = true;
    }
    if (!refused) {
      const current = await readRelations(driver);
      const locks = await readLocks(driver);
      await driver.exec("COMMIT");
      out.push(
        describe(
          statement,
          { existing, previous, current, locks, scansFrom: new Map() },
          {
            ran: "own transaction",
            locksBasis: "measured",
            locksSource: IN_TRANSACTION,
          },
        ),
      );
      continue;
    }
    const watched = database.openSession
      ? await observe(database, statement.sql, [...previous.values()])
      : await runAlone(driver, statement.sql);
    if (watched.error !== undefined) return failureOf(statement, watched.error);
    const current = await readRelations(driver);
    const locks = watched.observed ? watched.locks : inferredLocks(statement, previous);
    const evidence = describe(
      statement,
      { existing, previous, current, locks },
      {
        ran: "none",
        locksBasis: watched.observed ? (locks.length > 0 ? "measured" : "unknown") : "inferred",
        locksSource: watched.observed ? (locks.length > 0 ? OBSERVED : NOT_OBSERVED) : INFERRED,
      },
    );
    out.push(evidence);
  }
  return undefined;
}

interface Watched {
  /** Whether a second session looked (false: nothing could watch it). */
  observed: boolean;
  locks: HeldLock[];
  error?: unknown;
}

async function runAlone(driver: Driver, sql: string): Promise<Watched> {
  try {
    await driver.exec(sql);
    return { observed: false, locks: [] };
  } catch (error) {
    return { observed: false, locks: [], error };
  }
}

/** The observing session of a database, opened once. */
const observers = new WeakMap<LiveDatabase, Promise<Driver>>();

/**
 * Runs `sql` on the database's session while a second session holds ACCESS SHARE on every table
 * and an open REPEATABLE READ snapshot: a statement that needs a stronger lock, or waits for older
 * snapshots (CONCURRENTLY), waits for it, and meanwhile its locks are read from `pg_locks`.
 */
async function observe(database: LiveDatabase, sql: string, relations: RelationState[]): Promise<Watched> {
  const { driver } = database;
  let observerPromise = observers.get(database);
  if (!observerPromise && database.openSession) {
    observerPromise = database.openSession();
    observers.set(database, observerPromise);
  }
  const observer = await (observerPromise as Promise<Driver>);
  const [{ pid } = { pid: 0 }] = await driver.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const tables = relations.filter((r) => r.kind === "r" || r.kind === "p");
  await observer.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  let locks: HeldLock[] = [];
  let done = false;
  let error: unknown;
  let running: Promise<void> = Promise.resolve();
  try {
    if (tables.length > 0) {
      const names = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`).join(", ");
      await observer.exec(`LOCK TABLE ${names} IN ACCESS SHARE MODE`);
    }
    await observer.query("SELECT 1");
    running = driver.exec(sql).then(
      () => {
        done = true;
      },
      (failure: unknown) => {
        done = true;
        error = failure;
      },
    );
    while (!done) {
      const [row] = await observer.query<{ waiting: boolean }>(
        "SELECT cardinality(pg_blocking_pids($1::int)) > 0 AS waiting",
        [pid],
      );
      if (row?.waiting) {
        locks = await readLocks(observer, pid);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await observer.exec("COMMIT");
  }
  await running;
  return { observed: true, locks, error };
}

/** CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the table (and index) it names, per the documentation. */
function inferredLocks(statement: ReviewStatement, relations: Map<string, RelationState>): HeldLock[] {
  const named = statement.units.flatMap((unit) => {
    if (!concurrentStatement(unit)) return [];
    const relation = relationName(objectField(unit.node, "relation"));
    return relation ? [relation] : [];
  });
  return [...relations.values()]
    .filter((r) => named.includes(r.name))
    .map((r) => ({ oid: r.oid, mode: "ShareUpdateExclusiveLock" as const, granted: true }));
}

function lockKey(lock: HeldLock): string {
  return `${lock.oid} ${lock.mode}`;
}

interface Observation {
  /** Relations when the migration started. */
  existing: Map<string, RelationState>;
  /** Right before the statement. */
  previous: Map<string, RelationState>;
  /** Right after it. */
  current: Map<string, RelationState>;
  /** Locks the statement took. */
  locks: HeldLock[];
  /** In a transaction: the strongest lock held per table so far, with the line that took it. */
  strongest?: Map<string, { mode: LockMode; line: number }>;
  /** The scan counts to subtract (absent: scans cannot be counted). */
  scansFrom?: Map<string, RelationState>;
}

function describe(
  statement: ReviewStatement,
  seen: Observation,
  how: Pick<StatementEvidence, "ran" | "locksBasis" | "locksSource">,
): StatementEvidence {
  const { existing, previous, current } = seen;
  const tableOf = (oid: string) => {
    const relation = existing.get(oid);
    return relation && TABLE_KINDS.has(relation.kind) ? relation : undefined;
  };
  const byTable = new Map<string, StatementLock>();
  for (const lock of seen.locks) {
    const table = tableOf(lock.oid);
    if (!table) continue;
    const known = byTable.get(lock.oid);
    if (known && lockRank(known.mode) >= lockRank(lock.mode)) continue;
    byTable.set(lock.oid, { relation: nameOf(table), mode: lock.mode, waiting: !lock.granted });
  }
  const truncates = statement.units.some((unit) => unit.type === "TruncateStmt");
  const storage: StorageChange[] = [];
  const touched = new Set(namedTables(statement, existing));
  for (const [oid, after] of current) {
    const before = previous.get(oid);
    if (!tableOf(oid) || !before || before.filenode === after.filenode || after.filenode === "0") continue;
    storage.push({ relation: nameOf(after), before: before.filenode, after: after.filenode, truncated: truncates });
    touched.add(oid);
  }
  const evidence: StatementEvidence = {
    index: statement.index,
    line: statement.position.line,
    summary: summaryOf(statement),
    ...how,
    locks: [],
    storage,
  };
  if (seen.scansFrom) {
    const from = seen.scansFrom;
    const scanned = [...current.values()]
      .filter((after) => tableOf(after.oid))
      .map((after) => ({
        oid: after.oid,
        relation: nameOf(after),
        count: after.scans - (from.get(after.oid)?.scans ?? 0),
      }))
      .filter((scan) => scan.count > 0);
    for (const scan of scanned) touched.add(scan.oid);
    evidence.scans = scanned.map(({ relation, count }) => ({ relation, count }));
    if (scanned.length > 0) evidence.scanCause = scanCause(statement, storage);
  }
  // A table the statement named or read but took no new lock on: the transaction's earlier, stronger lock covers it.
  for (const oid of touched) {
    const earlier = seen.strongest?.get(oid);
    const table = tableOf(oid);
    const taken = byTable.get(oid);
    if (!earlier || !table || (taken && lockRank(taken.mode) >= lockRank(earlier.mode))) continue;
    if (earlier.line !== statement.position.line) {
      byTable.set(oid, { relation: nameOf(table), mode: earlier.mode, waiting: false, heldSince: earlier.line });
    }
  }
  evidence.locks = [...byTable.values()];
  return evidence;
}

/** Every range variable (`relname`, optional `schemaname`) below a parse-tree value, wrapped in `RangeVar` or bare. */
function rangeVars(
  value: unknown,
  found: { schema?: string; name: string }[] = [],
): { schema?: string; name: string }[] {
  if (Array.isArray(value)) for (const item of value) rangeVars(item, found);
  else if (isObject(value)) {
    const name = stringField(value, "relname");
    if (name !== undefined) found.push({ schema: stringField(value, "schemaname"), name });
    for (const child of Object.values(value)) rangeVars(child, found);
  }
  return found;
}

/** The oids of the existing relations the statement names, by schema (if written) and name. */
function namedTables(statement: ReviewStatement, existing: Map<string, RelationState>): string[] {
  const names = statement.units.flatMap((unit) => rangeVars(unit.node));
  return [...existing.values()]
    .filter((r) => names.some((n) => n.name === r.name && (n.schema === undefined || n.schema === r.schema)))
    .map((r) => r.oid);
}

/** The statement's first line of code; for a DO block, that of the first statement inside it. */
function summaryOf(statement: ReviewStatement): string {
  const [first, inner] = statement.units;
  if (first?.type === "DoStmt" && inner) return `DO block: ${firstCodeLine(inner.text)}`;
  return firstCodeLine(statement.sql);
}

function nameOf(relation: RelationState): RelationName {
  return { schema: relation.schema, name: relation.name };
}

/** Why a statement read its tables, from its kind. */
function scanCause(statement: ReviewStatement, storage: StorageChange[]): StatementEvidence["scanCause"] {
  if (storage.some((change) => !change.truncated)) return "rewrite";
  const units = statement.units;
  if (units.some((unit) => unit.type === "IndexStmt")) return "index build";
  const validates = units.some(
    (unit) =>
      alterCommands(unit).some((c) => c.subtype === "AT_ValidateConstraint" || c.subtype === "AT_SetNotNull") ||
      declaredConstraints(unit).some(({ constraint, added }) => {
        const type = stringField(constraint, "contype");
        return (
          added &&
          constraint["skip_validation"] !== true &&
          (type === "CONSTR_CHECK" || type === "CONSTR_FOREIGN" || type === "CONSTR_NOTNULL")
        );
      }),
  );
  return validates ? "validation" : "query";
}
