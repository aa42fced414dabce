/**
 * The acknowledgements db:review takes (`-- review-ignore <rule>: <why>`), written by db:revert
 * where the revert itself is the reason for a finding: above each drop that loses no data (rule
 * `drop-statement`: `-- review-ignore drop-statement: db:revert of <tag>: index "i" holds no data`)
 * and above a statement the data-loss marking explains (`RevertStatement.acknowledge`: an enum's
 * column on its way through text). A statement that loses data (marked `-- db:revert data-loss:`)
 * gets none: the review keeps reporting it until a person, having backed up, acknowledges it.
 *
 * Whether a rule reports a statement is the rule's own answer, on the schema the history replays
 * to: `drop-statement` passes over what the revert makes again (a foreign key dropped and added
 * back), and an acknowledgement that suppresses nothing fails the review (`unused-suppression`).
 */
import { stringField } from "../sql/ast.ts";
import { parseMigration, type ParsedMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { dropKind } from "../review/guards.ts";
import type { Rule } from "../review/rule.ts";
import { columnTypeChange } from "../review/rules/column-type-change.ts";
import { dropStatement } from "../review/rules/drop-statement.ts";
import { droppedObjects } from "../review/rules/migration-objects.ts";
import { SchemaState } from "../review/schema-state.ts";
import type { RevertStatement } from "./manual-sql.ts";

/** The rules whose findings a statement's `acknowledge` may name. */
const ACKNOWLEDGED_RULES: readonly Rule[] = [columnTypeChange];

/** Applies a migration's statements to the replayed schema, as the review's replay does (a tree too deep for it is left out). */
function replay(migration: ParsedMigration, state: SchemaState, check?: (unit: SqlUnit, index: number) => void): void {
  migration.statements.forEach((statement, index) => {
    for (const unit of statement.units) {
      check?.(unit, index);
      try {
        state.apply(unit, { file: migration.file, position: migration.positionAt(unit.offset) });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
  });
}

/** What a drop takes away, as its acknowledgement says it: `index "i" holds no data`. */
function droppedWithoutData(unit: SqlUnit, state: SchemaState): string {
  const objects = droppedObjects(unit, state.objectNames());
  const kind =
    unit.type === "DropStmt"
      ? dropKind(stringField(unit.node, "removeType")).toLowerCase()
      : objects[0]?.key.startsWith("column:")
        ? "column"
        : "constraint";
  const labels = objects.map((o) => (o.table === undefined ? o.label : `${o.label} on "${o.table}"`));
  const holds = kind === "materialized view" ? "only rows computed from its query" : "no data";
  return `${kind} ${labels.join(", ")} hold${labels.length === 1 ? "s" : ""} ${holds}`;
}

/**
 * `statements` with the acknowledgements db:review takes from the revert of `tag`, each right above
 * its statement and only where the rule reports it at the end of `history` (the migrations in
 * order, `tag` among them). The parser must be loaded.
 */
export function acknowledgeFindings(
  history: readonly { tag: string; file: string; sql: string }[],
  tag: string,
  statements: readonly RevertStatement[],
): RevertStatement[] {
  const state = new SchemaState();
  for (const m of history) {
    // Calls followed as the review follows them: the schema replayed is the one its rules see.
    replay(parseMigration(m.tag, m.file, m.sql, { followCalls: true, earlierRoutines: state.routinesByName() }), state);
  }
  const text = statements.map((statement) => statement.sql).join(`\n${STATEMENT_BREAKPOINT}\n`);
  const migration = parseMigration(`revert_${tag}`, `revert_${tag}.sql`, text, {
    followCalls: true,
    earlierRoutines: state.routinesByName(),
  });
  const before = state.clone();
  const lines = new Map<number, Set<string>>();
  replay(migration, state, (unit, index) => {
    const statement = migration.statements[index];
    const planned = statements[index];
    if (!statement || !planned || planned.dataLoss !== undefined) return;
    const context = { migration, statement, unit, state, before, settings: {}, mustBeRerunnable: true };
    const reports = (rule: Rule) => (rule.checkUnit?.(context).length ?? 0) > 0;
    const found = lines.get(index) ?? new Set<string>();
    if (reports(dropStatement)) found.add(line(dropStatement.id, tag, droppedWithoutData(unit, state)));
    const named = ACKNOWLEDGED_RULES.find((rule) => rule.id === planned.acknowledge?.rule);
    if (named && planned.acknowledge && reports(named)) found.add(line(named.id, tag, planned.acknowledge.why));
    if (found.size > 0) lines.set(index, found);
  });
  return statements.map((statement, index) => {
    const found = lines.get(index);
    return found ? { ...statement, comments: [...statement.comments, ...found] } : statement;
  });
}

/** The comment line that acknowledges a finding of `rule`. */
function line(rule: string, tag: string, why: string): string {
  return `-- review-ignore ${rule}: db:revert of ${tag}: ${why}`;
}
