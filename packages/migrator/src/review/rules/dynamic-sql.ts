import { type Rule, unitPosition } from "../rule.ts";

/** PL/pgSQL statements that run SQL the review cannot read (names as the parse walk gives them). */
const DYNAMIC = new Map([
  ["dynexecute", "EXECUTE"],
  ["dynfors", "FOR … IN EXECUTE"],
  // OPEN c FOR EXECUTE '…' (or OPEN c FOR DELETE … RETURNING): a cursor's query is not read either.
  ["open", "OPEN … FOR"],
]);

/** A DO block that runs a string as SQL: whatever it does, no other rule can see it. */
export const dynamicSql: Rule = {
  id: "dynamic-sql",
  defaultSeverity: "error",
  source: "static",
  summary: "a DO block that runs SQL the review cannot read (EXECUTE, FOR … IN EXECUTE, OPEN … FOR)",
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
  checkUnit({ migration, statement, unit }) {
    const dynamic = (unit.doBlock?.opaque ?? []).flatMap((kind) => DYNAMIC.get(kind) ?? []);
    if (dynamic.length === 0) return [];
    return [
      {
        statement,
        position: unitPosition(migration, unit),
        message: `this DO block runs SQL the review cannot read (${dynamic.join(", ")}): it cannot see what it does`,
      },
    ];
  },
};
