/**
 * The acknowledgements db:review takes (`-- review-ignore <rule>: <why>`), written by db:revert
 * where the revert itself is the reason for a finding: above each drop that loses no data (rule
 * `drop-statement`: `-- review-ignore drop-statement: db:revert of <tag>: index "i" holds no data`)
 * and above a statement the data-loss marking explains (`RevertStatement.acknowledge`: an enum's
 * column on its way through text). A statement that loses data (marked `-- db:revert data-loss:`)
 * or changes who can read or write rows (`-- db:revert access-change:`) gets none: the review keeps
 * reporting it until a person, having backed up or checked the access, acknowledges it.
 *
 * Whether a rule reports a statement is the rule's own answer, on the schema the history replays
 * to: `drop-statement` passes over what the revert makes again (a foreign key dropped and added
 * back), and an acknowledgement that suppresses nothing fails the review (`unused-suppression`).
 */
import { stringField } from "../sql/ast.ts";
import { parseMigration, type SqlUnit } from "../sql/parse-migration.ts";
import { STATEMENT_BREAKPOINT } from "../sql/statements.ts";
import { dropKind } from "../review/guards.ts";
import type { Rule } from "../review/rule.ts";
import { columnTypeChange } from "../review/rules/column-type-change.ts";
import { dropStatement } from "../review/rules/drop-statement.ts";
import { droppedObjects } from "../review/rules/migration-objects.ts";
import type { SchemaState } from "../review/schema-state.ts";
import type { RevertStatement } from "./manual-sql.ts";
import { type ReplayedHistory, replayMigration } from "./replayed-history.ts";

/** The rules whose findings a statement's `acknowledge` may name. */
const ACKNOWLEDGED_RULES: readonly Rule[] = [columnTypeChange];

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
 * its statement and only where the rule reports it on the schema the history (`tag` among it)
 * replays to. The parser must be loaded.
 */
export function acknowledgeFindings(
  replayed: ReplayedHistory,
  tag: string,
  statements: readonly RevertStatement[],
): RevertStatement[] {
  const state = replayed.state.clone();
  const text = statements.map((statement) => statement.sql).join(`\n${STATEMENT_BREAKPOINT}\n`);
  const migration = parseMigration(`revert_${tag}`, `revert_${tag}.sql`, text, {
    followCalls: true,
    earlierRoutines: state.routinesByName(),
  });
  const before = state.clone();
  const lines = new Map<number, Set<string>>();
  const check = (unit: SqlUnit, index: number) => {
    const statement = migration.statements[index];
    const planned = statements[index];
    if (!statement || !planned || planned.dataLoss !== undefined || planned.accessChange !== undefined) return;
    const context = { migration, statement, unit, state, before, settings: {}, mustBeRerunnable: true };
    const reports = (rule: Rule) => (rule.checkUnit?.(context).length ?? 0) > 0;
    const found = lines.get(index) ?? new Set<string>();
    if (reports(dropStatement)) found.add(line(dropStatement.id, tag, droppedWithoutData(unit, state)));
    const named = ACKNOWLEDGED_RULES.find((rule) => rule.id === planned.acknowledge?.rule);
    if (named && planned.acknowledge && reports(named)) found.add(line(named.id, tag, planned.acknowledge.why));
    if (found.size > 0) lines.set(index, found);
  };
  replayMigration(migration, state, { before: check });
  return statements.map((statement, index) => {
    const found = lines.get(index);
    return found ? { ...statement, comments: [...statement.comments, ...found] } : statement;
  });
}

/** The comment line that acknowledges a finding of `rule`. */
function line(rule: string, tag: string, why: string): string {
  return `-- review-ignore ${rule}: db:revert of ${tag}: ${why}`;
}
