import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../sql/parse-migration.ts";
import type { RevertStatement } from "./manual-sql.ts";
import { type ReplayedHistory, replayHistory } from "./replayed-history.ts";
import { acknowledgeFindings } from "./review-acknowledgements.ts";

let replayed: ReplayedHistory;
beforeAll(async () => {
  await loadParser();
  replayed = replayHistory(history);
});

const history = [
  {
    tag: "0000_base",
    file: "0000_base.sql",
    sql: [
      `CREATE TYPE "public"."mood" AS ENUM('calm', 'busy');`,
      'CREATE TABLE "t" ("id" text PRIMARY KEY NOT NULL, "c" text, "u" text, "m" "mood", "v" varchar(20));',
      'CREATE INDEX "t_c_idx" ON "t" USING btree ("c");',
      'ALTER TABLE "t" ADD CONSTRAINT "t_u_fk" FOREIGN KEY ("u") REFERENCES "public"."t"("id") ON DELETE no action ON UPDATE no action;',
    ].join("\n--> statement-breakpoint\n"),
  },
];

/** The comment lines each statement gets, by its first line. */
function acknowledged(statements: RevertStatement[]): Record<string, string[]> {
  return Object.fromEntries(
    acknowledgeFindings(replayed, "0001_x", statements).map((s) => [s.sql.split("\n")[0], s.comments]),
  );
}

describe("the acknowledgements db:revert writes for db:review", () => {
  it("acknowledges a drop that loses no data, naming the revert and what goes", () => {
    expect(acknowledged([{ sql: 'DROP INDEX IF EXISTS "t_c_idx";', comments: ["-- above"] }])).toEqual({
      'DROP INDEX IF EXISTS "t_c_idx";': [
        "-- above",
        '-- review-ignore drop-statement: db:revert of 0001_x: index "t_c_idx" holds no data',
      ],
    });
  });

  it("acknowledges nothing the review does not report: a foreign key dropped and added back is replaced, not gone", () => {
    const fk =
      'ALTER TABLE "t" ADD CONSTRAINT "t_u_fk" FOREIGN KEY ("u") REFERENCES "public"."t"("id") ON DELETE cascade';
    expect(
      acknowledged([
        { sql: 'ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "t_u_fk";', comments: [] },
        { sql: `DO $$ BEGIN\n  ${fk};\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`, comments: [] },
      ]),
    ).toEqual({ 'ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "t_u_fk";': [], "DO $$ BEGIN": [] });
  });

  it("leaves a data-loss drop to a person", () => {
    const drop = { sql: 'ALTER TABLE "t" DROP COLUMN IF EXISTS "c";', comments: [], dataLoss: "drops column" };
    expect(acknowledgeFindings(replayed, "0001_x", [drop])).toEqual([drop]);
  });

  it("writes a statement's own acknowledgement only where its rule reports it", () => {
    const why = { rule: "column-type-change", why: "round trip" };
    expect(
      acknowledged([
        { sql: 'ALTER TABLE "t" ALTER COLUMN "m" SET DATA TYPE text;', comments: [], acknowledge: why },
        // varchar to text keeps every value and rewrites nothing: no finding, so no acknowledgement.
        { sql: 'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE text;', comments: [], acknowledge: why },
      ]),
    ).toEqual({
      'ALTER TABLE "t" ALTER COLUMN "m" SET DATA TYPE text;': [
        "-- review-ignore column-type-change: db:revert of 0001_x: round trip",
      ],
      'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE text;': [],
    });
  });
});
