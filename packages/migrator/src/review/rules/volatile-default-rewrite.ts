import { findNodes, nameList, stringField } from "../../sql/ast.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";
import { addedColumns } from "./statement-parts.ts";

/** Functions whose value differs per row: a default calling one is computed for every existing row. */
const VOLATILE_FUNCTIONS = new Set([
  "gen_random_uuid",
  "uuid_generate_v1",
  "uuid_generate_v4",
  "uuidv4",
  "uuidv7",
  "random",
  "clock_timestamp",
  "timeofday",
  "nextval",
]);

/** Adding a column with a volatile default rewrites the whole table under an exclusive lock. */
export const volatileDefaultRewrite: Rule = {
  id: "volatile-default-rewrite",
  defaultSeverity: "error",
  source: "static",
  summary: "ADD COLUMN with a volatile default (e.g. gen_random_uuid()) on a table that already existed",
  explanation:
    "PostgreSQL stores a constant default without touching the rows, but a volatile default (`gen_random_uuid()`, " +
    "`random()`, `clock_timestamp()`, a sequence) must be computed for every existing row: the table is rewritten while " +
    "an ACCESS EXCLUSIVE lock blocks all reads and writes. On a large table that is an outage.",
  help: "Add the column nullable without the default, backfill it in batches, then SET DEFAULT and SET NOT NULL in later migrations.",
  examples: {
    failing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "correlation_id" uuid DEFAULT gen_random_uuid() NOT NULL;',
    },
    passing: {
      history: ['CREATE TABLE "ai_usage" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL\n);'],
      sql: 'ALTER TABLE "ai_usage" ADD COLUMN "correlation_id" uuid;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const hits: RuleHit[] = [];
    for (const { table, column, constraints } of addedColumns(unit)) {
      if (!state.existedBefore(table, migration.file)) continue;
      for (const constraint of constraints) {
        if (stringField(constraint, "contype") !== "CONSTR_DEFAULT") continue;
        for (const call of findNodes(constraint["raw_expr"], "FuncCall")) {
          const name = nameList(call.body["funcname"]).at(-1) ?? "";
          if (!VOLATILE_FUNCTIONS.has(name)) continue;
          hits.push({
            statement,
            position: unitPosition(migration, unit, call.body["location"]),
            message: `"${table}"."${column}" gets the volatile default ${name}(): the existing table "${table}" is rewritten under an ACCESS EXCLUSIVE lock`,
          });
        }
      }
    }
    return hits;
  },
};
