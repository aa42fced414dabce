import { stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { constraintsOnAddedColumns } from "./column-types.ts";

/** A stored generated column is computed for every existing row when it is added. */
export const storedGeneratedColumn: Rule = {
  id: "stored-generated-column",
  defaultSeverity: "error",
  source: "static",
  summary: "ADD COLUMN … GENERATED ALWAYS AS (…) STORED on a table that already existed",
  explanation:
    "A stored generated column holds a value in every row, so adding one to a table that has rows makes PostgreSQL " +
    "compute it for each of them: the table is rewritten while an ACCESS EXCLUSIVE lock blocks every read and write. " +
    "On a table created in the same migration there are no rows and no harm.",
  help: "Add a plain nullable column, fill it in batches and keep it filled from the application or a trigger; on PostgreSQL 18 a VIRTUAL generated column is added without a rewrite.",
  examples: {
    failing: {
      history: ['CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"content" text NOT NULL\n);'],
      sql: 'ALTER TABLE "document_chunk" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector(\'english\', "content")) STORED;',
    },
    passing: {
      history: ['CREATE TABLE "document_chunk" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"content" text NOT NULL\n);'],
      sql: 'ALTER TABLE "document_chunk" ADD COLUMN "search_vector" tsvector;',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    return constraintsOnAddedColumns(unit, state, migration.file, "CONSTR_GENERATED")
      .filter(({ constraint }) => stringField(constraint, "generated_kind") !== "v")
      .map(({ table, column, constraint }) => ({
        statement,
        position: unitPosition(migration, unit, constraint["location"]),
        message: `"${table}"."${column}" is a stored generated column added to the existing table "${table}": PostgreSQL computes it for every row, rewriting the table under an ACCESS EXCLUSIVE lock`,
      }));
  },
};
