/**
 * A revert as gentle on the running application as the migration it reverts. Drizzle Kit's
 * reverse of an index that migration built CONCURRENTLY is a plain `DROP INDEX`, which takes
 * ACCESS EXCLUSIVE on the table and queues every query on it while it waits; the reverse of an
 * index it dropped CONCURRENTLY is a plain `CREATE INDEX`, which blocks writes while it builds.
 * Those become `DROP INDEX CONCURRENTLY IF EXISTS` and `CREATE INDEX CONCURRENTLY IF NOT EXISTS`,
 * and since CONCURRENTLY cannot run inside a transaction, the revert is then a
 * `-- migrator:no-transaction` migration.
 *
 * Such a migration runs statement by statement and is run again from the top after a failure, so
 * every other statement must be re-runnable as it stands (guards.ts). Drizzle Kit writes no
 * guards, so a revert that also changes tables or columns is refused: one file cannot both run
 * in a transaction and drop an index CONCURRENTLY. The refusal names the statements and how to
 * split them into two migrations.
 */
import { arrayField, objectField, objectNameList, stringField } from "../sql/ast.ts";
import { parseMigration, parseSql, type SqlUnit } from "../sql/parse-migration.ts";
import { quoteIdent } from "../sql/quote-ident.ts";
import { applyInsertions, concurrentIndexInsertions } from "../review/fix/statement-fixes.ts";
import { missingGuard } from "../review/guards.ts";
import { qualifiedListName, qualifiedName } from "../review/object-names.ts";
import type { RevertStatement } from "./manual-sql.ts";
import { RevertError } from "./revert-error.ts";

/** What the migration being reverted did CONCURRENTLY, by qualified index name (`public.i`). */
interface ConcurrentWork {
  built: Set<string>;
  dropped: Set<string>;
}

/** The reverting statements, and whether the file must run outside a transaction. */
export interface ConcurrentReverse {
  statements: RevertStatement[];
  outsideTransaction: boolean;
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

/** A reverting statement in its concurrent form: what it does to which index. */
interface Rewritten {
  statement: RevertStatement;
  kind: "build" | "drop";
  /** The qualified index name. */
  index: string;
}

/**
 * The concurrent form of one reverting statement, or undefined when it stays as it is: the reverse
 * of what the reverted migration did CONCURRENTLY, and any index statement Drizzle Kit wrote
 * CONCURRENTLY itself (an index declared `.concurrently()`), guarded so a retry passes.
 */
function concurrentForm(
  statement: RevertStatement,
  units: readonly SqlUnit[],
  work: ConcurrentWork,
  file: string,
): Rewritten[] | undefined {
  const [unit] = units;
  if (units.length !== 1 || !unit) return undefined;
  const written = unit.node["concurrent"] === true;
  const why = (did: string) =>
    written
      ? "-- db:revert: written CONCURRENTLY (the index is declared .concurrently()): it runs outside a transaction, guarded for a retry."
      : `-- db:revert: ${file} ${did}`;
  const dropped = droppedIndexes(unit);
  if (
    dropped &&
    dropped.length > 0 &&
    (written || dropped.every((names) => work.built.has(qualifiedListName(names))))
  ) {
    // CONCURRENTLY drops one index per statement.
    return dropped.map((names) => ({
      kind: "drop",
      index: qualifiedListName(names),
      statement: {
        sql: `DROP INDEX CONCURRENTLY IF EXISTS ${names.map(quoteIdent).join(".")};`,
        comments: [
          ...statement.comments,
          why("built this index CONCURRENTLY; it goes the same way, so queries on its table go on."),
        ],
      },
    }));
  }
  if (unit.type === "IndexStmt" && (written || work.dropped.has(builtIndex(unit)))) {
    const text = applyInsertions(unit.text, concurrentIndexInsertions(unit));
    return [
      {
        kind: "build",
        index: builtIndex(unit),
        statement: {
          ...statement,
          sql: statement.sql.slice(0, unit.offset) + text + statement.sql.slice(unit.offset + unit.text.length),
          comments: [
            ...statement.comments,
            why("dropped this index CONCURRENTLY; it is built again the same way, so writes go on."),
          ],
        },
      },
    ];
  }
  return undefined;
}

/**
 * Builds before drops when the revert swaps indexes and nothing else (the reverse of a migration
 * that built a new index and then dropped the old one, so the table's queries always have one);
 * as they were when a name is both dropped and built (a redefinition: the drop must come first)
 * or other statements are in between.
 */
function buildsFirst(result: readonly (Rewritten | RevertStatement)[]): (Rewritten | RevertStatement)[] {
  const rewritten = result.filter((item): item is Rewritten => "kind" in item);
  if (rewritten.length !== result.length) return [...result];
  const built = new Set(rewritten.filter((r) => r.kind === "build").map((r) => r.index));
  if (rewritten.some((r) => r.kind === "drop" && built.has(r.index))) return [...result];
  return [...rewritten.filter((r) => r.kind === "build"), ...rewritten.filter((r) => r.kind === "drop")];
}

/**
 * Rewrites the reverse of what the reverted migration (`file`, `sql`) did CONCURRENTLY and says
 * whether the revert must run outside a transaction; throws a `RevertError`
 * (`needs-transaction`) when another statement of the revert could not run there safely. The
 * parser must be loaded.
 */
export function concurrentReverse(
  reverted: { tag: string; file: string; sql: string },
  statements: readonly RevertStatement[],
): ConcurrentReverse {
  const work = concurrentWork(reverted.file, reverted.sql);
  const unchanged = { statements: [...statements], outsideTransaction: false };
  const result: (Rewritten | RevertStatement)[] = [];
  const concurrent: string[] = [];
  const unsafe: string[] = [];
  for (const statement of statements) {
    const units = parseSql(statement.sql);
    const rewritten = concurrentForm(statement, units, work, reverted.file);
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
  };
}
