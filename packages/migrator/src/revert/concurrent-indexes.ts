/**
 * A revert as gentle on the running application as the migration it reverts. Drizzle Kit's
 * reverse of an index that migration built CONCURRENTLY is a plain `DROP INDEX`, which takes
 * ACCESS EXCLUSIVE on the table and queues every query on it while it waits; the reverse of an
 * index it dropped CONCURRENTLY is a plain `CREATE INDEX`, which blocks writes while it builds.
 * Those become `DROP INDEX CONCURRENTLY IF EXISTS` and `CREATE INDEX CONCURRENTLY IF NOT EXISTS`,
 * and since CONCURRENTLY cannot run inside a transaction, the revert is then a
 * `-- migrator:no-transaction` migration. So does a revert that only builds and drops indexes,
 * whatever the reverted migration did: run one by one, its statements leave no state in between
 * that a transaction would have hidden (an index more or less changes no query's result).
 *
 * Such a migration runs statement by statement and is run again from the top after a failure, so
 * every other statement must be re-runnable as Drizzle Kit or the hand-written reverse wrote it
 * (guards.ts): Drizzle Kit writes its statements for a transaction, and even with the guards
 * db:revert adds afterwards (guarded-statements.ts) a sequence of them may fail when run again
 * (a `DISABLE ROW LEVEL SECURITY` of a table a later statement drops). One that is not is refused,
 * naming the statements and how to split them into two migrations. Any other revert keeps its
 * transaction and its plain `DROP INDEX`:
 * outside it, a failure part-way would leave the schema half reverted, and its other statements
 * mostly lock the same table anyway (a `DROP COLUMN`), so CONCURRENTLY would spare no lock.
 *
 * Two kinds of index work keep the transaction (and the plain statements) even so. An index the
 * revert drops and builds again under its name (a redefinition): outside a transaction the table
 * would be without it from the drop until the build ends, a unique one without its uniqueness, and
 * for good when the build fails (a duplicate). And an index of a partitioned table or of a
 * partition, found as db:review --fix finds them (index-dependents.ts): PostgreSQL refuses to drop
 * or build a partitioned table's index CONCURRENTLY, and a partition's may be attached to it.
 */
import { arrayField, objectField, objectNameList, stringField } from "../sql/ast.ts";
import { parseMigration, parseSql, type SqlUnit } from "../sql/parse-migration.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { sqlTokens } from "../sql/tokens.ts";
import { applyInsertions, concurrentIndexInsertions } from "../review/fix/statement-fixes.ts";
import { droppedIndex } from "../review/fix/dropped-index.ts";
import { partitionRole } from "../review/fix/index-dependents.ts";
import { missingGuard } from "../review/guards.ts";
import { qualifiedListName, qualifiedName, tableName } from "../review/object-names.ts";
import type { RevertStatement } from "./manual-sql.ts";
import type { ReplayedHistory } from "./replayed-history.ts";
import { RevertError } from "./revert-error.ts";

/** What the migration being reverted did CONCURRENTLY, by qualified index name (`public.i`). */
interface ConcurrentWork {
  built: Set<string>;
  dropped: Set<string>;
}

/** Why a revert runs outside a transaction. */
export type OutsideTransactionReason =
  /** It reverses index work the reverted migration did CONCURRENTLY, or an index Drizzle Kit writes CONCURRENTLY. */
  | "reverses-concurrent-work"
  /** It only builds and drops indexes, which it then does CONCURRENTLY. */
  | "indexes-only";

/** The reverting statements, and whether (and why) the file must run outside a transaction. */
export interface ConcurrentReverse {
  statements: RevertStatement[];
  outsideTransaction: boolean;
  reason?: OutsideTransactionReason;
}

/** Whether a statement builds or drops an index. */
function isIndexWork(unit: SqlUnit): boolean {
  return unit.type === "IndexStmt" || droppedIndexes(unit) !== undefined;
}

/** `DROP INDEX`'s objects as name lists (`[schema?, name]`), or undefined for any other statement. */
function droppedIndexes(unit: SqlUnit): string[][] | undefined {
  if (unit.type !== "DropStmt" || stringField(unit.node, "removeType") !== "OBJECT_INDEX") return undefined;
  return arrayField(unit.node, "objects").map((object) => objectNameList(object));
}

/** The qualified name of the index a `CREATE INDEX` builds. */
function builtIndex(unit: SqlUnit): string {
  const table = qualifiedName(objectField(unit.node, "relation"));
  return `${table.slice(0, table.indexOf("."))}.${stringField(unit.node, "idxname") ?? ""}`;
}

/** The indexes a migration built or dropped CONCURRENTLY (statements inside DO blocks cannot be). */
function concurrentWork(file: string, sql: string): ConcurrentWork {
  const work: ConcurrentWork = { built: new Set(), dropped: new Set() };
  for (const statement of parseMigration(file, file, sql).statements) {
    for (const unit of statement.units) {
      if (unit.node["concurrent"] !== true) continue;
      if (unit.type === "IndexStmt") work.built.add(builtIndex(unit));
      for (const names of droppedIndexes(unit) ?? []) work.dropped.add(qualifiedListName(names));
    }
  }
  return work;
}

/** A reverting statement in its concurrent form: what it does to which index, and why so. */
interface Rewritten {
  statement: RevertStatement;
  kind: "build" | "drop";
  /** The qualified index name. */
  index: string;
  /** Its table, as `tableName` names it; undefined for a dropped index the replayed history does not know. */
  table?: string;
  reason: OutsideTransactionReason;
}

/** The comment above a statement written CONCURRENTLY, saying why. */
const INDEXES_ONLY_WHY =
  "-- db:revert: the revert only builds and drops indexes, so it does that CONCURRENTLY, outside a transaction: the table's queries go on.";

/**
 * The concurrent form of one reverting statement, or undefined when it stays as it is: the reverse
 * of what the reverted migration did CONCURRENTLY, any index statement Drizzle Kit wrote
 * CONCURRENTLY itself (an index declared `.concurrently()`), and with `indexesOnly` (the revert
 * only builds and drops indexes) every index statement; guarded so a retry passes.
 */
function concurrentForm(
  statement: RevertStatement,
  units: readonly SqlUnit[],
  work: ConcurrentWork,
  file: string,
  indexesOnly: boolean,
  replayed: ReplayedHistory,
): Rewritten[] | undefined {
  const [unit] = units;
  if (units.length !== 1 || !unit) return undefined;
  const written = unit.node["concurrent"] === true;
  const comment = (mirrors: boolean, did: string) => {
    if (written)
      return "-- db:revert: written CONCURRENTLY (the index is declared .concurrently()): it runs outside a transaction, guarded for a retry.";
    return mirrors ? `-- db:revert: ${file} ${did}` : INDEXES_ONLY_WHY;
  };
  const dropped = droppedIndexes(unit);
  if (dropped && dropped.length > 0) {
    const mirrors = written || dropped.every((names) => work.built.has(qualifiedListName(names)));
    if (!mirrors && !indexesOnly) return undefined;
    const why = comment(mirrors, "built this index CONCURRENTLY; it goes the same way, so queries on its table go on.");
    // CONCURRENTLY drops one index per statement.
    return dropped.map((names) => ({
      kind: "drop",
      index: qualifiedListName(names),
      ...tableOf(droppedIndex(replayed.state, names)?.table),
      reason: mirrors ? "reverses-concurrent-work" : "indexes-only",
      statement: {
        sql: `DROP INDEX CONCURRENTLY IF EXISTS ${names.map(quoteIdent).join(".")};`,
        comments: [...statement.comments, why],
      },
    }));
  }
  if (unit.type !== "IndexStmt") return undefined;
  const mirrors = written || work.dropped.has(builtIndex(unit));
  if (!mirrors && !indexesOnly) return undefined;
  const text = applyInsertions(unit.text, concurrentIndexInsertions(unit));
  return [
    {
      kind: "build",
      index: builtIndex(unit),
      table: tableName(objectField(unit.node, "relation")),
      reason: mirrors ? "reverses-concurrent-work" : "indexes-only",
      statement: {
        ...statement,
        sql: statement.sql.slice(0, unit.offset) + text + statement.sql.slice(unit.offset + unit.text.length),
        comments: [
          ...statement.comments,
          comment(mirrors, "dropped this index CONCURRENTLY; it is built again the same way, so writes go on."),
        ],
      },
    },
  ];
}

/** `{ table }`, or nothing when it is not known. */
function tableOf(table: string | undefined): { table?: string } {
  return table === undefined ? {} : { table };
}

/**
 * Why the revert keeps its transaction and its plain index statements although it would build or
 * drop an index CONCURRENTLY (`rewritten`), or undefined: an index it drops and builds again under
 * its name, or an index of a partitioned table or a partition (or of a table the replayed history
 * does not know).
 */
function transactionKept(
  parsed: readonly { units: readonly SqlUnit[] }[],
  rewritten: readonly Rewritten[],
  replayed: ReplayedHistory,
): string | undefined {
  const units = parsed.flatMap((p) => p.units);
  const built = new Set(units.filter((unit) => unit.type === "IndexStmt").map(builtIndex));
  const redefined = units
    .flatMap((unit) => droppedIndexes(unit) ?? [])
    .find((names) => built.has(qualifiedListName(names)));
  if (redefined) {
    return `index ${redefined.map(quoteIdent).join(".")} is dropped and built again under its name: run CONCURRENTLY, outside a transaction, its table would be without it until the build ends (a unique one without its uniqueness), and for good if the build failed`;
  }
  for (const { index, table } of rewritten) {
    const name = quoteIdent(index.slice(index.indexOf(".") + 1));
    if (table === undefined)
      return `the replayed history does not know index ${name}, so not whether its table is partitioned, whose indexes PostgreSQL cannot drop or build CONCURRENTLY`;
    if (partitionRole(table, replayed.state, replayed.units) !== undefined)
      return `index ${name} is on ${quoteIdent(table)}, a partitioned table or a partition: PostgreSQL cannot drop or build a partitioned table's index CONCURRENTLY, and a partition's may be attached to it`;
  }
  return undefined;
}

/** A statement Drizzle Kit wrote CONCURRENTLY (an index declared `.concurrently()`) without the keyword, for a transaction. */
function withoutConcurrently(statement: RevertStatement, unit: SqlUnit): RevertStatement {
  const tokens = sqlTokens(unit.text).filter((token) => !token.comment);
  const at = tokens.findIndex((token) => token.keyword === "CONCURRENTLY");
  const keyword = tokens[at];
  const next = tokens[at + 1];
  if (!keyword || !next) return statement;
  const text = unit.text.slice(0, keyword.start) + unit.text.slice(next.start);
  return {
    ...statement,
    sql: statement.sql.slice(0, unit.offset) + text + statement.sql.slice(unit.offset + unit.text.length),
  };
}

/**
 * Builds before drops when the revert swaps indexes and nothing else (the reverse of a migration
 * that built a new index and then dropped the old one, so the table's queries always have one);
 * as they were when other statements are in between. (A name both dropped and built keeps the
 * transaction: `transactionKept`.)
 */
function buildsFirst(result: readonly (Rewritten | RevertStatement)[]): (Rewritten | RevertStatement)[] {
  const rewritten = result.filter((item): item is Rewritten => "kind" in item);
  if (rewritten.length !== result.length) return [...result];
  return [...rewritten.filter((r) => r.kind === "build"), ...rewritten.filter((r) => r.kind === "drop")];
}

/**
 * Rewrites the reverse of what the reverted migration (`file`, `sql`) did CONCURRENTLY, or every
 * index statement of a revert that builds and drops indexes only, and says whether the revert
 * must run outside a transaction; throws a `RevertError` (`needs-transaction`) when another
 * statement of the revert could not run there safely. `withTodos`: the revert has TODO blocks, whose
 * statements a person has yet to write, so it is not known to be index work only. The parser must
 * be loaded.
 */
export function concurrentReverse(
  reverted: { tag: string; file: string; sql: string },
  statements: readonly RevertStatement[],
  { withTodos = false, replayed }: { withTodos?: boolean; replayed: ReplayedHistory },
): ConcurrentReverse {
  const work = concurrentWork(reverted.file, reverted.sql);
  const unchanged = { statements: [...statements], outsideTransaction: false };
  const parsed = statements.map((statement) => ({ statement, units: parseSql(statement.sql) }));
  const indexesOnly =
    !withTodos && parsed.every(({ units }) => units.length === 1 && units.every((unit) => isIndexWork(unit)));
  const result: (Rewritten | RevertStatement)[] = [];
  const concurrent: string[] = [];
  const unsafe: string[] = [];
  for (const { statement, units } of parsed) {
    const rewritten = concurrentForm(statement, units, work, reverted.file, indexesOnly, replayed);
    if (rewritten) {
      result.push(...rewritten);
      concurrent.push(...rewritten.map((r) => r.statement.sql));
      continue;
    }
    result.push(statement);
    for (const unit of units) {
      const why = missingGuard(unit);
      if (why) unsafe.push(`${unit.text.split("\n")[0] ?? ""} (${why})`);
    }
  }
  if (concurrent.length === 0) return unchanged;
  const rewritten = result.filter((item): item is Rewritten => "kind" in item);
  const kept = transactionKept(parsed, rewritten, replayed);
  if (kept) {
    const why = `-- db:revert: not CONCURRENTLY, in the revert's transaction: ${kept}.`;
    let explained = false;
    return {
      outsideTransaction: false,
      statements: parsed.map(({ statement, units }) => {
        const [unit] = units;
        if (units.length !== 1 || !unit || !isIndexWork(unit)) return statement;
        const plain = unit.node["concurrent"] === true ? withoutConcurrently(statement, unit) : statement;
        if (explained) return plain;
        explained = true;
        return { ...plain, comments: [...plain.comments, why] };
      }),
    };
  }
  if (unsafe.length > 0) {
    throw new RevertError(
      "needs-transaction",
      `cannot write the revert of ${reverted.tag} as one migration: it builds or drops an index CONCURRENTLY (${concurrent.join(" ")}), the way ${reverted.file} did or Drizzle Kit writes an index declared .concurrently(), which runs only outside a transaction, but these statements of the revert need one (run outside it they could not be retried after a partial failure): ${unsafe.join("; ")}`,
      {
        fix: `split it into two migrations by hand: first a custom one (drizzle-kit generate --custom) whose first line is "-- migrator:no-transaction", holding ${concurrent.map((sql) => sql.replace(/;$/, "")).join("; ")}; then change the TypeScript schema back and run drizzle-kit generate for the rest, removing from it what the first migration already did`,
      },
    );
  }
  return {
    statements: buildsFirst(result).map((item) => ("kind" in item ? item.statement : item)),
    outsideTransaction: true,
    reason: rewritten.some((r) => r.reason === "reverses-concurrent-work")
      ? "reverses-concurrent-work"
      : "indexes-only",
  };
}
