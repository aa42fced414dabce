/**
 * Turns measured lock evidence into findings: every rewrite of a table that existed before the
 * migration, and, with the sizes of a reference database, every lock that blocks writes on a
 * large table (an error when the statement scanned the table under it, else a warning). Each
 * message says what was measured and what was inferred.
 */
import { blocksWrites, lockName } from "./lock-modes.ts";
import type { MigrationEvidence, RelationName, StatementEvidence, StatementLock } from "./measure-migration.ts";
import { describeSize, isLarge, type RelationSize } from "./reference-database.ts";

/** A finding to be: the rule, where, and the message. */
export interface LockHit {
  rule: "live-table-rewrite" | "live-scan-under-lock" | "live-lock-on-large-table";
  tag: string;
  statementIndex: number;
  message: string;
}

/** The reference database's sizes, and from how many rows a table counts as large. */
export interface Weights {
  sizes: Map<string, RelationSize>;
  largeTableRows: number;
}

/** `"t"` for a table in public, `"s"."t"` otherwise. */
export function tableName(relation: RelationName): string {
  return relation.schema === "public" ? `"${relation.name}"` : `"${relation.schema}"."${relation.name}"`;
}

/** `schema.name`, how reference sizes are keyed. */
export function relationKey(relation: RelationName): string {
  return `${relation.schema}.${relation.name}`;
}

function lockPhrase(statement: StatementEvidence, lock: StatementLock): string {
  const basis = statement.locksBasis === "inferred" ? "inferred from the statement's kind" : "measured: pg_locks";
  const since = lock.heldSince ? `, taken at line ${lock.heldSince} in the same transaction` : "";
  return `${lock.waiting ? "waits for" : "holds"} ${lockName(lock.mode)} (${basis}${since})`;
}

function weight(relation: RelationName, weights: Weights | undefined): string {
  if (!weights) return "; pass --database-url to weigh it against the real table";
  const size = weights.sizes.get(relationKey(relation));
  return size
    ? `; in the reference database it has ${describeSize(size)}`
    : "; it is not in the reference database (new there, or not migrated yet)";
}

/** The findings for the evidence of the migrations under review. */
export function lockFindings(evidence: readonly MigrationEvidence[], weights?: Weights): LockHit[] {
  const hits: LockHit[] = [];
  for (const migration of evidence) {
    for (const statement of migration.statements) {
      const at = { tag: migration.tag, statementIndex: statement.index };
      const lockOn = (relation: RelationName) =>
        statement.locks.find((l) => relationKey(l.relation) === relationKey(relation));
      const rewritten = new Set<string>();
      for (const change of statement.storage.filter((c) => !c.truncated)) {
        rewritten.add(relationKey(change.relation));
        const lock = lockOn(change.relation);
        hits.push({
          ...at,
          rule: "live-table-rewrite",
          message: `rewrote ${tableName(change.relation)}, a table that existed before the migration (measured: relfilenode ${change.before} → ${change.after})${lock ? ` and ${lockPhrase(statement, lock)}` : ""}: no query reads or writes it until the rewrite ends${weight(change.relation, weights)}`,
        });
      }
      if (!weights) continue;
      for (const lock of statement.locks) {
        const size = weights.sizes.get(relationKey(lock.relation));
        if (!blocksWrites(lock.mode) || !size || !isLarge(size, weights.largeTableRows)) continue;
        if (rewritten.has(relationKey(lock.relation))) continue;
        const scans = statement.scans?.find((s) => relationKey(s.relation) === relationKey(lock.relation));
        const table = tableName(lock.relation);
        if (scans) {
          hits.push({
            ...at,
            rule: "live-scan-under-lock",
            message: `${lockPhrase(statement, lock)} on ${table} while scanning it (measured: ${scans.count} scan${scans.count === 1 ? "" : "s"} begun, pg_stat_get_xact_numscans; inferred cause: ${statement.scanCause ?? "query"}); in the reference database ${table} has ${describeSize(size)}: ${lock.mode === "AccessExclusiveLock" ? "reads and writes" : "writes"} wait for the whole scan`,
          });
        } else {
          const scanNote = statement.scans ? "no scan measured" : "scans cannot be counted outside a transaction";
          hits.push({
            ...at,
            rule: "live-lock-on-large-table",
            message: `${lockPhrase(statement, lock)} on ${table}, ${scanNote}; in the reference database ${table} has ${describeSize(size)}: while the lock waits to be granted, every later query on ${table} queues behind it`,
          });
        }
      }
    }
  }
  return hits;
}
