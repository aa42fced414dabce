import { canonicalStatements, canonicalUnit } from "../../sql/canonical-sql.ts";
import type { Rule, RuleHit } from "../rule.ts";

/** The comment that marks hand-written SQL in a generated migration. */
const MANUAL_ADDITION_HEADER = "Manual addition:";

/** Hand-written SQL must say so, so the next reader knows Drizzle Kit will not regenerate it. */
export const manualAdditionHeader: Rule = {
  id: "manual-addition-header",
  defaultSeverity: "error",
  source: "static",
  summary: "a statement Drizzle Kit would not generate from the snapshots, without a `-- Manual addition:` comment",
  explanation:
    "The snapshots in `meta/` describe what Drizzle Kit generated; a statement it would not generate from the previous " +
    "snapshot to this one (grants, extensions, data fixes, role creation) was written by hand. The wiki asks for a " +
    "`-- Manual addition: <why>` comment above it, so a reviewer sees it and nobody loses it when the migration is " +
    "regenerated. A header covers the consecutive hand-written statements after it. Guards added by hand " +
    "(IF NOT EXISTS, `DO … EXCEPTION WHEN duplicate_object`) do not count as changes.",
  help: "Put `-- Manual addition: <what and why>` on the line above the statement (or add the change to the schema and regenerate).",
  examples: {
    failing: {
      generated: ['CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n'],
      sql: 'CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nREVOKE INSERT, UPDATE, DELETE ON "ai_model" FROM "authenticated";',
    },
    passing: {
      generated: ['CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n'],
      sql: 'CREATE TABLE IF NOT EXISTS "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\n-- Manual addition: the model registry is reference data; tenants may read it, never change it.\nREVOKE INSERT, UPDATE, DELETE ON "ai_model" FROM "authenticated";',
    },
  },
  checkMigration({ migration, generated }) {
    if (!generated) return [];
    const expected = new Set(generated.flatMap(canonicalStatements));
    const hits: RuleHit[] = [];
    let headerApplies = false;
    for (const statement of migration.statements) {
      if (statement.parseError) {
        headerApplies = false;
        continue;
      }
      const units = statement.units.filter((unit) => unit.type !== "DoStmt");
      const handWritten = units.find((unit) => !expected.has(canonicalUnit(unit)));
      if (units.length > 0 && !handWritten) {
        headerApplies = false;
        continue;
      }
      const hasHeader = statement.leadingComments.some((line) => line.startsWith(MANUAL_ADDITION_HEADER));
      headerApplies = hasHeader || headerApplies;
      if (!headerApplies) {
        hits.push({
          statement,
          // A chunk without breakpoints may hold a generated statement and then a hand-written one.
          position: handWritten ? migration.positionAt(handWritten.offset) : undefined,
          message: `this statement is not what Drizzle Kit generates from the snapshots (hand-written) and has no "-- ${MANUAL_ADDITION_HEADER}" comment above it`,
        });
      }
    }
    return hits;
  },
};
