/**
 * The schema the migration history replays to, as db:review's rules see it (review/schema-state.ts):
 * what db:revert asks of the schema its revert runs on. Which findings the review reports on the
 * revert (review-acknowledgements.ts), whether an index's table is partitioned (concurrent-indexes.ts),
 * which later foreign keys check against a unique key (key-references.ts).
 */
import { parseMigration, type ParsedMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { SchemaState } from "../review/schema-state.ts";

/** A migration as db:revert reads it. */
export interface HistoryMigration {
  tag: string;
  file: string;
  sql: string;
}

/** The replayed history. */
export interface ReplayedHistory {
  /** The schema at the end of the history. Clone it before applying more to it. */
  state: SchemaState;
  /** Every statement of the history, in order (a DO block's own statements included). */
  units: SqlUnit[];
}

/** What sees each statement of a replayed migration, with the index of its chunk. */
interface ReplayHooks {
  /** Right before the statement is applied. */
  before?: (unit: SqlUnit, index: number) => void;
  /** Right after. */
  after?: (unit: SqlUnit, index: number) => void;
}

/**
 * Applies a migration's statements to `state`, as the review's replay does (a tree too deep for it
 * is left out), showing each to `hooks` before and after it is applied.
 */
export function replayMigration(migration: ParsedMigration, state: SchemaState, hooks: ReplayHooks = {}): void {
  migration.statements.forEach((statement, index) => {
    for (const unit of statement.units) {
      hooks.before?.(unit, index);
      try {
        state.apply(unit, { file: migration.file, position: migration.positionAt(unit.offset) });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
      hooks.after?.(unit, index);
    }
  });
}

/**
 * The history replayed, calls into the routines it creates followed as the review follows them.
 * The parser must be loaded.
 */
export function replayHistory(history: readonly HistoryMigration[]): ReplayedHistory {
  const state = new SchemaState();
  const units: SqlUnit[] = [];
  for (const m of history) {
    const parsed = parseMigration(m.tag, m.file, m.sql, { followCalls: true, earlierRoutines: state.routinesByName() });
    replayMigration(parsed, state, { before: (unit) => units.push(unit) });
  }
  return { state, units };
}
