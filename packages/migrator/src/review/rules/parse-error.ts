import type { Rule } from "../rule.ts";

/** SQL PostgreSQL's parser rejects; reported by the review itself, never a crash. */
export const parseError: Rule = {
  id: "parse-error",
  defaultSeverity: "error",
  source: "engine",
  summary: "SQL the PostgreSQL parser rejects, or nested (or calling routines) too deep to review",
  explanation:
    "Each chunk between `--> statement-breakpoint`s is parsed with PostgreSQL's own parser (libpg-query). A chunk it " +
    "rejects fails on every database, usually after a hand edit (a missing semicolon or parenthesis, a breakpoint " +
    "inside a DO block). The other rules cannot see into it. A statement whose expression nests deeper than the " +
    "review (or the parser) can follow, such as thousands of `||` terms, is reported here too, as unreadable rather " +
    "than refused. So is a call into a routine whose body the review cannot read (the parser rejects a statement of " +
    "it) or whose chain of calls runs deeper than the review's stack: the review follows calls into bodies, and " +
    "what it cannot follow it does not pass.",
  help: "Fix the SQL at the reported position; keep `--> statement-breakpoint` between statements and never inside a DO block.",
  examples: {
    failing: {
      sql: 'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"status" text DEFAULT \'pending\' NOT NULL\n;',
    },
    passing: {
      sql: 'CREATE TABLE "ai_batch" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"status" text DEFAULT \'pending\' NOT NULL\n);',
    },
  },
};
