/**
 * The lock report `--live` prints: per statement of the migrations under review, the locks it
 * took on tables that existed before its migration, the tables it rewrote or emptied, the scans
 * it began, and the tables' sizes in the reference database, each with how it was found out.
 */
import { lockName } from "./lock-modes.ts";
import type { MigrationEvidence, StatementEvidence } from "./measure-migration.ts";
import { relationKey, tableName, type Weights } from "./lock-findings.ts";
import { describeSize } from "./reference-database.ts";

/** Where the evidence comes from, for the report's heading. */
export interface ReportSource {
  /** The throwaway database, e.g. `a throwaway embedded (PGlite) database`. */
  database: string;
  /** The reference database (redacted URL), if sizes were read. */
  reference?: string;
}

function notable(statement: StatementEvidence): boolean {
  return statement.locks.length > 0 || statement.storage.length > 0 || (statement.scans?.length ?? 0) > 0;
}

/** The report as text, one block per statement that did anything to an existing table. */
export function formatLockReport(
  evidence: readonly MigrationEvidence[],
  source: ReportSource,
  weights?: Weights,
): string {
  const lines = [
    `Lock evidence (--live, measured on ${source.database}; ${source.reference ? `sizes from ${source.reference}` : "no --database-url: sizes not weighed"}):`,
  ];
  let quiet = 0;
  for (const migration of evidence) {
    for (const statement of migration.statements) {
      if (!notable(statement)) {
        quiet++;
        continue;
      }
      lines.push(`${migration.file}:${statement.line} ${statement.summary}`);
      if (statement.ran === "none") lines.push("  ran outside a transaction (as the runner runs it)");
      const locks = statement.locks.map(
        (l) =>
          `${l.waiting ? "waits for " : ""}${lockName(l.mode)} on ${tableName(l.relation)}${l.heldSince ? ` (held since line ${l.heldSince})` : ""}`,
      );
      lines.push(
        `  locks: ${locks.length > 0 ? locks.join(", ") : "none seen"} (${statement.locksBasis}: ${statement.locksSource})`,
      );
      for (const change of statement.storage) {
        const what = change.truncated ? "emptied (TRUNCATE)" : "rewritten";
        lines.push(
          `  ${what}: ${tableName(change.relation)} (measured: relfilenode ${change.before} → ${change.after})`,
        );
      }
      if (statement.scans === undefined) lines.push("  scans: not countable outside a transaction");
      else if (statement.scans.length > 0) {
        const scans = statement.scans.map((s) => `${tableName(s.relation)} ×${s.count}`).join(", ");
        lines.push(
          `  scanned: ${scans} (measured: pg_stat_get_xact_numscans; inferred cause: ${statement.scanCause ?? "query"})`,
        );
      }
      if (weights) {
        const tables = new Map(
          [...statement.locks.map((l) => l.relation), ...statement.storage.map((c) => c.relation)].map((r) => [
            relationKey(r),
            r,
          ]),
        );
        for (const [key, relation] of tables) {
          const size = weights.sizes.get(key);
          lines.push(`  size: ${tableName(relation)} ${size ? describeSize(size) : "not in the reference database"}`);
        }
      }
    }
  }
  if (quiet > 0) lines.push(`${quiet} other statement(s) took no lock on a table that existed before their migration.`);
  return `${lines.join("\n")}\n`;
}
