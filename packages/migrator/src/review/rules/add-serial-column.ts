import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { declaredColumns, hasConstraint, SERIAL_TYPES } from "./column-types.ts";

/** A serial or identity column added to a table with rows fills every row: a rewrite. */
export const addSerialColumn: Rule = {
  id: "add-serial-column",
  defaultSeverity: "error",
  source: "static",
  summary: "ADD COLUMN of a serial or identity column (e.g. a new serial primary key) on a table that already existed",
  explanation:
    "A serial or GENERATED … AS IDENTITY column takes its value from a sequence, which is volatile: adding one to a " +
    "table that has rows gives every row a value, so PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE " +
    "lock (and, for a primary key, builds its index under the same lock). It does not fail the way a NOT NULL column " +
    "without a default does; it stalls every query on the table for the length of the rewrite.",
  help: "Add the column nullable without a default, backfill it in batches, then attach the sequence as its default, SET NOT NULL and add the key using an index built CONCURRENTLY, each in a later migration.",
  examples: {
    failing: {
      history: ['CREATE TABLE "plan_audit_log" (\n\t"event" text NOT NULL\n);'],
      sql: 'ALTER TABLE "plan_audit_log" ADD COLUMN "id" bigserial PRIMARY KEY;',
    },
    passing: {
      history: ['CREATE TABLE "plan_audit_log" (\n\t"event" text NOT NULL\n);'],
      sql: 'ALTER TABLE "plan_audit_log" ADD COLUMN "id" bigint;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const hits: RuleHit[] = [];
    for (const { table, column, type, how, constraints, location } of declaredColumns(unit)) {
      if (how !== "add" || !state.existedBefore(table, migration.file)) continue;
      const kind = SERIAL_TYPES.has(type) ? type : hasConstraint(constraints, "CONSTR_IDENTITY") ? "identity" : "";
      if (!kind) continue;
      hits.push({
        statement,
        position: unitPosition(migration, unit, location),
        message: `"${table}"."${column}" is added as a ${kind} column: every existing row gets a value from the sequence, so PostgreSQL rewrites "${table}" under an ACCESS EXCLUSIVE lock`,
      });
    }
    return hits;
  },
};
