import { describe, expect, it } from "vitest";
import { reviewInsteadOf } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"error" text\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "rename-as-drop-add");
const BREAK = "--> statement-breakpoint\n";

describe("rename-as-drop-add", () => {
  it("flags a drop and an add just like it on the same table, at the DROP, naming both columns", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" ADD COLUMN "name" text NOT NULL;--> statement-breakpoint\nALTER TABLE "research_plan" DROP COLUMN "title";',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, column: 1 });
    expect(findings[0]?.message).toContain('"research_plan"."title" (text) is dropped and "name", just like it, added');
  });

  it("flags the pair on a table of another schema (pgSchema), not on the public table of that name", async () => {
    const schemas = [
      'CREATE SCHEMA "app";--> statement-breakpoint\nCREATE TABLE "app"."research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" text NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"title" integer\n);',
    ];
    const pair = (table: string) =>
      `ALTER TABLE ${table} ADD COLUMN "name" text NOT NULL;${BREAK}ALTER TABLE ${table} DROP COLUMN "title";`;
    const inSchema = await reviewExample(
      { history: schemas, sql: pair('"app"."research_plan"') },
      "rename-as-drop-add",
    );
    expect(inSchema.map((f) => f.line)).toEqual([2]);
    // The public table's "title" is an integer: a text "name" is not what renaming it gives.
    expect(await reviewExample({ history: schemas, sql: pair('"research_plan"') }, "rename-as-drop-add")).toEqual([]);
  });

  it("passes a drop on one table and an add on another", async () => {
    const findings = await review(
      'ALTER TABLE "research_plan" ADD COLUMN "name" text;--> statement-breakpoint\nALTER TABLE "plan_step" DROP COLUMN "error";',
    );
    expect(findings).toEqual([]);
  });

  it("passes RENAME COLUMN", async () => {
    expect(await review('ALTER TABLE "research_plan" RENAME COLUMN "title" TO "name";')).toEqual([]);
  });

  it("passes a column of another type, nullability or default: a replacement, not a rename", async () => {
    for (const definition of ["jsonb NOT NULL", "text", "text DEFAULT '' NOT NULL"]) {
      const sql = `ALTER TABLE "research_plan" ADD COLUMN "name" ${definition};${BREAK}ALTER TABLE "research_plan" DROP COLUMN "title";`;
      expect(await review(sql)).toEqual([]);
    }
  });

  it("passes when the migration copies the data before the drop", async () => {
    const sql = [
      'ALTER TABLE "research_plan" ADD COLUMN "name" text;',
      'UPDATE "research_plan" SET "name" = upper("title");',
      'ALTER TABLE "research_plan" ALTER COLUMN "name" SET NOT NULL;',
      'ALTER TABLE "research_plan" DROP COLUMN "title";',
    ].join(BREAK);
    expect(await review(sql)).toEqual([]);
  });
});

// Real renames of fixtures/histories (each committed as RENAME COLUMN), written instead as Drizzle
// Kit writes them when its rename question is answered "create column": the rule must catch each.
describe("rename-as-drop-add on the real renames of public histories", () => {
  const renames: { folder: string; tag: string; sql: string }[] = [
    {
      folder: "Mail-0__Zero",
      tag: "0006_small_unicorn",
      sql: `ALTER TABLE "mail0_session" ADD COLUMN "connection_id" text;${BREAK}ALTER TABLE "mail0_session" DROP COLUMN "connectionId";`,
    },
    {
      folder: "thor-coding-cowboys__scorebrawl",
      tag: "0007_mighty_hawkeye",
      sql: [
        'ALTER TABLE "user" ADD COLUMN "default_league_id" varchar(32);',
        'ALTER TABLE "user" DROP CONSTRAINT "user_defaultLeagueId_league_id_fk";',
        'ALTER TABLE "user" ADD CONSTRAINT "user_default_league_id_league_id_fk" FOREIGN KEY ("default_league_id") REFERENCES "public"."league"("id") ON DELETE no action ON UPDATE no action;',
        'ALTER TABLE "user" DROP COLUMN "defaultLeagueId";',
      ].join(BREAK),
    },
    {
      folder: "giselles-ai__giselle",
      tag: "0042_material_colonel_america",
      sql: `ALTER TABLE "github_repository_pull_request_embeddings" ADD COLUMN "merged_at" timestamp NOT NULL;${BREAK}ALTER TABLE "github_repository_pull_request_embeddings" DROP COLUMN "pr_merged_at";`,
    },
    {
      folder: "tambo-ai__tambo",
      tag: "0028_red_grandmaster",
      sql: `ALTER TABLE "tool_providers" ADD COLUMN "composio_app_id" text;${BREAK}ALTER TABLE "tool_providers" DROP COLUMN "composio_app_name";`,
    },
    {
      folder: "simstudioai__sim",
      tag: "0019_even_lorna_dane",
      sql: `ALTER TABLE "marketplace" ADD COLUMN "views" integer DEFAULT 0 NOT NULL;${BREAK}ALTER TABLE "marketplace" DROP COLUMN "executions";`,
    },
    {
      folder: "Dokploy__dokploy",
      tag: "0065_daily_zaladane",
      sql: `ALTER TABLE "compose" ADD COLUMN "isolatedDeployment" boolean DEFAULT false NOT NULL;${BREAK}ALTER TABLE "compose" DROP COLUMN "deployable";`,
    },
  ];
  for (const { folder, tag, sql } of renames) {
    it(`${folder} ${tag}`, async () => {
      expect(await reviewInsteadOf(folder, tag, sql, "rename-as-drop-add")).toHaveLength(1);
    });
  }
});
