import { describe, expect, it } from "vitest";
import { corpusStatement } from "../testing/corpus-histories.ts";
import { reviewExample } from "../testing/review-example.ts";

const createTable = 'CREATE TABLE "ai_model" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n';
const policy =
  'CREATE POLICY "ai_model_select" ON "ai_model" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);';
const generated = [createTable, policy];
const review = (sql: string, known: string[] | null = generated) =>
  reviewExample({ sql, generated: known ?? undefined }, "manual-addition-header");

describe("manual-addition-header", () => {
  it("flags each hand-written statement without a header", async () => {
    const sql = [
      createTable,
      'GRANT SELECT ON "ai_model" TO "authenticated";',
      policy,
      'REVOKE DELETE ON "ai_model" FROM "authenticated";',
    ].join("--> statement-breakpoint\n");
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([5, 7]);
  });

  it("lets one header cover the consecutive hand-written statements after it", async () => {
    const sql = [
      createTable,
      '-- Manual addition: the registry is read-only for tenants.\nGRANT SELECT ON "ai_model" TO "authenticated";',
      'REVOKE DELETE ON "ai_model" FROM "authenticated";',
      policy,
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("ends the header's reach at the next generated statement", async () => {
    const sql = [
      "-- Manual addition: extension first.\nCREATE EXTENSION IF NOT EXISTS vector;",
      createTable,
      'GRANT SELECT ON "ai_model" TO "authenticated";',
    ].join("--> statement-breakpoint\n");
    expect((await review(sql)).map((f) => f.line)).toEqual([7]);
  });

  it("counts hand-added guards as the generated statement", async () => {
    const sql = [
      createTable.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
      `DO $$ BEGIN\n  ${policy}\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
    ].join("--> statement-breakpoint\n");
    expect(await review(sql)).toEqual([]);
  });

  it("flags a generated statement edited by hand", async () => {
    const edited = createTable.replace(
      '"id" text PRIMARY KEY NOT NULL',
      '"id" text PRIMARY KEY NOT NULL,\n\t"note" text',
    );
    expect(await review(edited)).toHaveLength(1);
  });

  it("checks nothing where the snapshots are unknown", async () => {
    expect(await review('GRANT SELECT ON "ai_model" TO "authenticated";', null)).toEqual([]);
  });

  it("points at the hand-written statement in a chunk that also holds a generated one", async () => {
    // Dokploy 0102: the generated ADD COLUMN and a hand-written backfill, no breakpoint between them.
    const sql = corpusStatement("Dokploy__dokploy", "0102_opposite_grandmaster", 'ALTER TABLE "compose"');
    const generated = ['ALTER TABLE "compose" ADD COLUMN "isolatedDeploymentsVolume" boolean DEFAULT false NOT NULL;'];
    const findings = await reviewExample({ sql, generated }, "manual-addition-header");
    expect(findings.map((f) => f.line)).toEqual([3]);
  });
});

// Statements of real histories (fixtures/histories) that an older Drizzle Kit generated, or that
// the team changed only as the review advises, next to what Drizzle Kit 0.31's differ generates
// for the same change from the project's own snapshots. None is hand-written.
describe("manual-addition-header on what other Drizzle Kit versions generated", () => {
  const cases: { name: string; folder: string; tag: string; start: string; generated: string }[] = [
    {
      name: 'an enum without "public". (0.2x, in a DO block)',
      folder: "Dokploy__dokploy",
      tag: "0000_reflective_puck",
      start: 'DO $$ BEGIN\n CREATE TYPE "buildType"',
      generated:
        "CREATE TYPE \"public\".\"buildType\" AS ENUM('dockerfile', 'heroku_buildpacks', 'paketo_buildpacks', 'nixpacks');",
    },
    {
      name: 'a foreign key to a table without "public".',
      folder: "Dokploy__dokploy",
      tag: "0000_reflective_puck",
      start: 'DO $$ BEGIN\n ALTER TABLE "application" ADD CONSTRAINT "application_projectId_project_projectId_fk"',
      generated:
        'ALTER TABLE "application" ADD CONSTRAINT "application_projectId_project_projectId_fk" FOREIGN KEY ("projectId") REFERENCES "public"."project"("projectId") ON DELETE cascade ON UPDATE no action;',
    },
    {
      name: "ADD VALUE without BEFORE",
      folder: "Dokploy__dokploy",
      tag: "0033_white_hawkeye",
      start: "ALTER TYPE \"sourceType\" ADD VALUE 'gitlab'",
      generated: "ALTER TYPE \"public\".\"sourceType\" ADD VALUE 'gitlab' BEFORE 'drop';",
    },
    {
      name: "DROP TABLE without CASCADE",
      folder: "giselles-ai__giselle",
      tag: "0026_military_spirit",
      start: 'DROP TABLE "stripe_user_mappings"',
      generated: 'DROP TABLE "stripe_user_mappings" CASCADE;',
    },
    {
      name: "column constraints in another order",
      folder: "tambo-ai__tambo",
      tag: "0062_secure_bearer_secret",
      start: 'ALTER TABLE "projects"',
      generated:
        'ALTER TABLE "projects" ADD COLUMN "bearer_token_secret" text DEFAULT encode(gen_random_bytes(32), \'hex\') NOT NULL;',
    },
    {
      name: "an IN list in a hand-guarded partial index (parser positions differ)",
      folder: "simstudioai__sim",
      tag: "0261_tranquil_donald_blake",
      start: 'CREATE UNIQUE INDEX IF NOT EXISTS "workflow_deployment_operation_workflow_in_flight_unique"',
      generated:
        'CREATE UNIQUE INDEX "workflow_deployment_operation_workflow_in_flight_unique" ON "workflow_deployment_operation" USING btree ("workflow_id") WHERE "workflow_deployment_operation"."status" IN (\'preparing\', \'activating\');',
    },
    {
      name: "CONCURRENTLY added, as non-concurrent-index advises",
      folder: "simstudioai__sim",
      tag: "0220_early_hellion",
      start: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "usage_log_execution_id_idx"',
      generated: 'CREATE INDEX "usage_log_execution_id_idx" ON "usage_log" USING btree ("execution_id");',
    },
    {
      name: "NOT VALID added, as constraint-not-valid advises",
      folder: "simstudioai__sim",
      tag: "0243_kb_workspace_cascade",
      start: 'ALTER TABLE "knowledge_base" ADD CONSTRAINT',
      generated:
        'ALTER TABLE "knowledge_base" ADD CONSTRAINT "knowledge_base_workspace_id_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspace"("id") ON DELETE cascade ON UPDATE no action;',
    },
  ];

  for (const { name, folder, tag, start, generated } of cases) {
    it(`${name}: ${folder} ${tag}`, async () => {
      const sql = corpusStatement(folder, tag, start);
      expect(await reviewExample({ sql, generated: [generated] }, "manual-addition-header")).toEqual([]);
    });
  }

  it("an array default in a CREATE TABLE IF NOT EXISTS (Dokploy 0000, positions shifted by the guard)", async () => {
    const sql = corpusStatement("Dokploy__dokploy", "0000_reflective_puck", 'CREATE TABLE IF NOT EXISTS "user"');
    expect(sql).toContain("DEFAULT ARRAY[]::text[]");
    const generated = [sql.replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE")];
    expect(await reviewExample({ sql, generated }, "manual-addition-header")).toEqual([]);
  });

  it("still flags the hand-written VALIDATE CONSTRAINT that follows it", async () => {
    const sql = corpusStatement(
      "simstudioai__sim",
      "0243_kb_workspace_cascade",
      'ALTER TABLE "knowledge_base" VALIDATE',
    );
    expect(await reviewExample({ sql, generated: [] }, "manual-addition-header")).toHaveLength(1);
  });
});
