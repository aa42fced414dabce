import { findNodes, nameList, objectField } from "../../sql/ast.ts";
import { OPAQUE_STATEMENTS, routineDefinition } from "../../sql/opaque-routines.ts";
import type { ParsedMigration, SqlUnit } from "../../sql/parse-migration.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** Per migration: the PL/pgSQL routines it creates whose bodies run SQL the review cannot read (name → what). */
const opaqueRoutinesOf = new WeakMap<ParsedMigration, Map<string, string[]>>();

function opaqueRoutines(migration: ParsedMigration): Map<string, string[]> {
  let routines = opaqueRoutinesOf.get(migration);
  if (routines) return routines;
  routines = new Map();
  for (const unit of migration.statements.flatMap((statement) => statement.units)) {
    const routine = routineDefinition(unit);
    if (routine && routine.opaque.length > 0) routines.set(routine.name, routine.opaque);
  }
  opaqueRoutinesOf.set(migration, routines);
  return routines;
}

/** The routines a statement calls by name (SELECT f(), PERFORM f(), CALL p()). */
function calledRoutines(unit: SqlUnit): string[] {
  const calls = findNodes(unit.node, "FuncCall").map(({ body }) => body);
  const call = unit.type === "CallStmt" ? objectField(unit.node, "funccall") : undefined;
  return [...calls, ...(call ? [call] : [])].flatMap((body) => nameList(body["funcname"]).slice(-1));
}

/** A DO block that runs a string as SQL: whatever it does, no other rule can see it. */
export const dynamicSql: Rule = {
  id: "dynamic-sql",
  defaultSeverity: "error",
  source: "static",
  summary:
    "a DO block, or a call of a routine this or an earlier migration created, that runs SQL the review cannot read (EXECUTE, FOR … IN EXECUTE, OPEN … FOR)",
  explanation:
    "The review reads each statement of a migration, the plain ones inside a DO block too, but not a string that a " +
    "DO block hands to EXECUTE: that SQL exists only when the migration runs. A DROP, a TRUNCATE or a table rewrite " +
    "built with format() passes every other rule unseen, so someone has to read it and say so.",
  help: "Write the statements out so the review checks them; if the SQL must be built at run time, read what it runs and accept it with `-- review-ignore dynamic-sql: <what it runs and why that is safe>` above the DO block.",
  examples: {
    failing: {
      history: ['CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: "DO $$ BEGIN\n  EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', 'organization');\nEND $$;",
    },
    passing: {
      history: ['CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL\n);'],
      sql: 'DO $$ BEGIN\n  ALTER TABLE "organization" ADD COLUMN IF NOT EXISTS "slug" text;\nEND $$;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const hits: RuleHit[] = [];
    const dynamic = (unit.doBlock?.opaque ?? []).flatMap((kind) => OPAQUE_STATEMENTS.get(kind) ?? []);
    if (dynamic.length > 0)
      hits.push({
        statement,
        position: unitPosition(migration, unit),
        message: `this DO block runs SQL the review cannot read (${dynamic.join(", ")}): it cannot see what it does`,
      });
    // A routine that runs a string is a DO block by another name, whichever migration created it.
    const routines = opaqueRoutines(migration);
    for (const name of new Set(calledRoutines(unit))) {
      const here = routines.get(name);
      const earlier = here ? undefined : state.opaqueRoutine(name);
      const kinds = here ?? earlier?.opaque;
      if (!kinds) continue;
      const made = earlier ? `which ${earlier.createdIn} created` : "which this migration creates";
      hits.push({
        statement,
        position: unitPosition(migration, unit),
        message: `calls "${name}", ${made} and which runs SQL the review cannot read (${kinds.join(", ")}): it cannot see what it does`,
      });
    }
    return hits;
  },
};
