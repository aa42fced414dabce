import type { Rule, RuleHit } from "../rule.ts";

/** The marker `db:revert` writes where a person must still write the reverse SQL. */
const REVERT_TODO_MARKER = "-- TODO(db:revert)";

/** A revert migration still holding the generator's TODO marker is not finished. */
export const unfinishedRevert: Rule = {
  id: "unfinished-revert",
  defaultSeverity: "error",
  source: "static",
  summary: "a `-- TODO(db:revert)` marker left in a migration",
  explanation:
    "`db:revert` generates the reverse of a migration from the snapshots, but it cannot reverse hand-written SQL " +
    "(grants, data changes, extensions); where a person must still write the reverse, it leaves a " +
    "`-- TODO(db:revert)` marker. A migration with the marker is incomplete.",
  help: "Write the reverse SQL the marker asks for, then delete the marker line.",
  examples: {
    failing: {
      sql: '-- TODO(db:revert): reverse of the manual addition `REVOKE INSERT, UPDATE, DELETE ON "ai_model" FROM "authenticated";`\nDROP INDEX IF EXISTS "ai_model_provider_providerModelId_idx";',
    },
    passing: {
      sql: '-- Manual addition: reverse of the REVOKE in 0003.\nGRANT INSERT, UPDATE, DELETE ON "ai_model" TO "authenticated";',
    },
  },
  checkMigration({ migration }) {
    const hits: RuleHit[] = [];
    let offset = 0;
    for (const line of migration.text.split("\n")) {
      const at = line.indexOf(REVERT_TODO_MARKER);
      if (at >= 0) {
        const position = migration.positionAt(offset + at);
        const statement = migration.statements.find(
          (s) => s.offset <= offset + line.length && offset < s.offset + s.sql.length,
        );
        hits.push({ statement, position, message: `unfinished revert: ${line.slice(at).trim()}` });
      }
      offset += line.length + 1;
    }
    return hits;
  },
};
