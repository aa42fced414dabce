import { stringField } from "../../sql/ast.ts";
import { type Rule, unitPosition } from "../rule.ts";
import { declaredConstraints } from "./statement-parts.ts";

/**
 * A UNIQUE, PRIMARY KEY or EXCLUDE constraint added to an existing table builds its index under
 * ACCESS EXCLUSIVE.
 */
export const uniqueConstraintBuildsIndex: Rule = {
  id: "unique-constraint-builds-index",
  defaultSeverity: "error",
  source: "static",
  summary:
    "ADD CONSTRAINT … UNIQUE / PRIMARY KEY without an index built CONCURRENTLY first, or … EXCLUDE, on an existing table",
  explanation:
    "Adding a UNIQUE or PRIMARY KEY constraint (or a column declared UNIQUE / PRIMARY KEY) to a table that has rows " +
    "builds the constraint's index inside the ALTER TABLE, while it holds ACCESS EXCLUSIVE: no query reads or writes " +
    "the table until every row is indexed. An index built beforehand with CREATE UNIQUE INDEX CONCURRENTLY can be " +
    "attached with `USING INDEX`, which takes the lock only for a moment. An EXCLUDE constraint builds its index the " +
    "same way, and PostgreSQL offers no way around it: it has no `USING INDEX` form, cannot be NOT VALID, and no " +
    "index built CONCURRENTLY can become one. The table is blocked for the whole build.",
  help: "First `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS …` in a `-- migrator:no-transaction` migration, then `ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX …` (or PRIMARY KEY USING INDEX); an EXCLUDE constraint has no such route: add it only when the table may be blocked for its whole index build.",
  examples: {
    failing: {
      history: ['CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"slug" text NOT NULL\n);'],
      sql: 'ALTER TABLE "organization" ADD CONSTRAINT "organization_slug_unique" UNIQUE("slug");',
    },
    passing: {
      history: [
        'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"slug" text NOT NULL\n);',
        '-- migrator:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "organization_slug_unique" ON "organization" USING btree ("slug");',
      ],
      sql: 'ALTER TABLE "organization" ADD CONSTRAINT "organization_slug_unique" UNIQUE USING INDEX "organization_slug_unique";',
    },
  },
  checkUnit({ migration, statement, unit, state }) {
    const kinds: Record<string, string> = {
      CONSTR_UNIQUE: "UNIQUE",
      CONSTR_PRIMARY: "PRIMARY KEY",
      CONSTR_EXCLUSION: "EXCLUDE",
    };
    return declaredConstraints(unit)
      .filter(
        ({ table, constraint, added }) =>
          added && state.existedBefore(table, migration.file) && !stringField(constraint, "indexname"),
      )
      .flatMap(({ table, constraint, column }) => {
        const kind = kinds[stringField(constraint, "contype") ?? ""];
        if (!kind) return [];
        const name = stringField(constraint, "conname");
        const what = name ? `${kind} constraint "${name}"` : `${kind} on the new column "${column ?? ""}"`;
        return [
          {
            statement,
            position: unitPosition(migration, unit, constraint["location"]),
            message: `${what} on the existing table "${table}" builds its index while holding ACCESS EXCLUSIVE: no reads or writes until every row is indexed${kind === "EXCLUDE" ? " (an EXCLUDE constraint cannot use an index built CONCURRENTLY)" : ""}`,
          },
        ];
      });
  },
};
