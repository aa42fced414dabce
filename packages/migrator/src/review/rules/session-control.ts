import { MIGRATOR_LOCK_KEY } from "../../runner/advisory-lock.ts";
import { lockReleaseIn, turnsConformingStringsOff } from "../../sql/session-statements.ts";
import { type Rule, type RuleHit, unitPosition } from "../rule.ts";

/** What db:migrate refuses before anything runs, found at review time instead of at deploy. */
export const sessionControl: Rule = {
  id: "session-control",
  defaultSeverity: "error",
  source: "static",
  summary: "DISCARD ALL, pg_advisory_unlock_all() or SET standard_conforming_strings = off in a migration",
  explanation:
    "The runner holds a session advisory lock for the whole run, so two deploys never apply a migration twice; " +
    "DISCARD ALL and pg_advisory_unlock_all() release it in the middle of a run. With standard_conforming_strings " +
    "off, the server reads a backslash in a string as an escape and PostgreSQL's parser, which the runner and the " +
    "review read every migration with, does not: a COMMIT can hide in what they take for a comment. db:migrate " +
    "refuses such a migration before anything runs (exit 2); this says so before it is committed.",
  help: "Remove the statement: the runner's own session state is its to manage; write string literals with standard_conforming_strings on (E'…' for escapes).",
  examples: {
    failing: {
      history: ['CREATE TABLE "audit" ("id" serial PRIMARY KEY NOT NULL);'],
      sql: '-- migrator:no-transaction\nDISCARD ALL;\n--> statement-breakpoint\nINSERT INTO "audit" DEFAULT VALUES;',
    },
    passing: {
      history: ['CREATE TABLE "audit" ("id" serial PRIMARY KEY NOT NULL);'],
      sql: '-- migrator:no-transaction\nDISCARD TEMP;\n--> statement-breakpoint\nINSERT INTO "audit" DEFAULT VALUES;',
    },
  },
  checkUnit({ migration, statement, unit }) {
    const hits: RuleHit[] = [];
    const release = lockReleaseIn(unit, MIGRATOR_LOCK_KEY);
    if (release)
      hits.push({
        statement,
        position: unitPosition(migration, unit),
        message: `${release} releases the runner's advisory lock in the middle of a run: db:migrate refuses this migration`,
      });
    if (turnsConformingStringsOff(unit))
      hits.push({
        statement,
        position: unitPosition(migration, unit),
        message:
          "turns standard_conforming_strings off: the server would read backslashes in strings as escapes, the runner's parser does not, so db:migrate refuses this migration",
      });
    return hits;
  },
};
