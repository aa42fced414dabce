import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runReview } from "../run-review.ts";
import { EXAMPLE_CONFIG, reviewExample } from "../testing/review-example.ts";

const history = [
  [
    'CREATE TABLE "user" (\n\t"id" text PRIMARY KEY NOT NULL\n);',
    'CREATE TABLE "research_plan" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"title" text\n);',
    'CREATE UNIQUE INDEX "research_plan_tenant_key_idx" ON "research_plan" ("organization_id","id");',
  ].join("\n--> statement-breakpoint\n"),
];
const review = (sql: string, config = EXAMPLE_CONFIG) =>
  reviewExample({ history, sql }, "cross-tenant-foreign-key", config);
const messages = async (sql: string) => (await review(sql)).map((f) => f.message);

describe("cross-tenant-foreign-key", () => {
  it("flags an inline REFERENCES, one without a column list, and a key that pairs organization_id with another column", async () => {
    expect(
      await messages(
        'CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"plan_id" text REFERENCES "research_plan"("id") ON DELETE cascade\n);',
      ),
    ).toEqual([
      expect.stringContaining('"plan_step"("plan_id") → "research_plan" leaves "organization_id" out of its key'),
    ]);
    expect(
      await review(
        'ALTER TABLE "research_plan" ADD COLUMN "parent_id" text REFERENCES "research_plan" ON DELETE set null;',
      ),
    ).toHaveLength(1);
    expect(
      await review(
        'ALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_title_fk" FOREIGN KEY ("organization_id","title") REFERENCES "research_plan"("title","id");',
      ),
    ).toHaveLength(1);
  });

  it("flags a key declared by a CREATE TABLE that takes the tenant column from another table (LIKE, PARTITION OF)", async () => {
    expect(
      await messages(
        'CREATE TABLE "plan_note" (LIKE "research_plan", "plan_id" text, CONSTRAINT "plan_note_plan_fk" FOREIGN KEY ("plan_id") REFERENCES "research_plan"("id") ON DELETE cascade);',
      ),
    ).toEqual([
      expect.stringContaining('"plan_note"("plan_id") → "research_plan" leaves "organization_id" out of its key'),
    ]);
    const partitioned = [
      ...history,
      'CREATE TABLE "plan_event" ("organization_id" text NOT NULL, "plan_id" text, "at" date NOT NULL) PARTITION BY RANGE ("at");',
    ];
    const partition = (key: string) =>
      `CREATE TABLE "plan_event_2026" PARTITION OF "plan_event" (CONSTRAINT "plan_event_2026_plan_fk" FOREIGN KEY (${key}) REFERENCES "research_plan"(${key.replace('"plan_id"', '"id"')}) ON DELETE cascade) FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`;
    const findings = async (sql: string) =>
      (await reviewExample({ history: partitioned, sql }, "cross-tenant-foreign-key")).map((f) => f.message);
    expect(await findings(partition('"plan_id"'))).toEqual([
      expect.stringContaining('"plan_event_2026"("plan_id") → "research_plan" leaves "organization_id" out of its key'),
    ]);
    expect(await findings(partition('"organization_id", "plan_id"'))).toEqual([]);
  });

  it("flags a key added by the ALTER TABLE that adds the tenant column", async () => {
    expect(
      await review(
        'ALTER TABLE "user" ADD COLUMN "organization_id" text NOT NULL, ADD COLUMN "plan_id" text, ADD CONSTRAINT "user_plan_fk" FOREIGN KEY ("plan_id") REFERENCES "research_plan"("id");',
      ),
    ).toHaveLength(1);
  });

  it("flags a table created with the tenant column that references itself by id", async () => {
    expect(
      await review(
        'CREATE TABLE "note" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"parent_id" text,\n\tCONSTRAINT "note_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "note"("id")\n);',
      ),
    ).toHaveLength(1);
  });

  it("passes a paired key in any column order, a reference to a table without the tenant column, and a project without tenants", async () => {
    expect(
      await review(
        'CREATE TABLE "plan_step" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"plan_id" text,\n\t"organization_id" text NOT NULL,\n\tCONSTRAINT "plan_step_plan_fk" FOREIGN KEY ("plan_id","organization_id") REFERENCES "research_plan"("id","organization_id")\n);',
      ),
    ).toEqual([]);
    expect(
      await review('ALTER TABLE "research_plan" ADD COLUMN "user_id" text REFERENCES "user"("id") ON DELETE set null;'),
    ).toEqual([]);
    const { tenantColumn: _none, ...noTenants } = EXAMPLE_CONFIG;
    expect(
      await review(
        'ALTER TABLE "research_plan" ADD COLUMN "parent_id" text REFERENCES "research_plan"("id") ON DELETE set null;',
        noTenants,
      ),
    ).toEqual([]);
  });

  it("flags a paired key whose ON DELETE SET NULL has no column list (as Drizzle Kit writes it) or names the tenant column", async () => {
    const key = (action: string) =>
      `ALTER TABLE "research_plan" ADD COLUMN "parent_id" text;--> statement-breakpoint\nALTER TABLE "research_plan" ADD CONSTRAINT "research_plan_parent_fk" FOREIGN KEY ("organization_id","parent_id") REFERENCES "public"."research_plan"("organization_id","id") ${action} ON UPDATE no action;`;
    expect(await messages(key("ON DELETE set null"))).toEqual([
      expect.stringContaining(
        'has ON DELETE SET NULL on "organization_id" too: deleting the referenced row fails where "organization_id" is NOT NULL, and otherwise takes the row out of every tenant; name the other columns: ON DELETE SET NULL ("parent_id")',
      ),
    ]);
    expect(await review(key('ON DELETE SET NULL ("organization_id", "parent_id")'))).toHaveLength(1);
    expect(await review(key("ON DELETE set default"))).toHaveLength(1);
    expect(await review(key('ON DELETE SET NULL ("parent_id")'))).toEqual([]);
    expect(await review(key("ON DELETE cascade"))).toEqual([]);
  });

  it("finds the keys by id in a public multi-tenant history (tambo-ai/tambo, tenant column project_id): a log row to a thread, a memory superseded by another", async () => {
    const folder = fileURLToPath(new URL("../../../fixtures/histories/tambo-ai__tambo", import.meta.url));
    const run = await runReview({ folder, config: { tenantColumn: "project_id", rules: {} } });
    const found = run.findings.filter((f) => f.rule === "cross-tenant-foreign-key");
    expect(found.map((f) => `${basename(f.file)}:${f.line}`)).toEqual([
      "0051_flashy_ikaris.sql:13",
      "0093_daffy_daredevil.sql:21",
    ]);
    expect(found[0]?.message).toContain('"project_logs"("thread_id") → "threads" leaves "project_id" out of its key');
    expect(found[1]?.message).toContain('"memories"("superseded_by") → "memories" leaves "project_id" out of its key');
  });
});
