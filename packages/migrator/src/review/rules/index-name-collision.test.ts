import { describe, expect, it } from "vitest";
import { reviewExample } from "../testing/review-example.ts";

const history = [
  'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"slug" text NOT NULL,\n\tCONSTRAINT "organization_slug_unique" UNIQUE("slug")\n);',
];
const review = (sql: string) => reviewExample({ history, sql }, "index-name-collision");

describe("index-name-collision", () => {
  it("flags an index named like an earlier constraint, naming where it was used", async () => {
    const findings = await review(
      'CREATE UNIQUE INDEX "organization_slug_unique" ON "organization" USING btree ("slug");',
    );
    expect(findings.map((f) => f.message)).toEqual([
      'index name "organization_slug_unique" is already used (0000_history.sql:1)',
    ]);
  });

  it("moves a table's index names with it to another schema (SET SCHEMA): the old schema's name is free", async () => {
    const moved = [
      'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE INDEX "sessions_id_idx" ON "sessions" ("id");',
      'ALTER TABLE "sessions" SET SCHEMA "auth";',
    ];
    const reviewMoved = (sql: string) => reviewExample({ history: moved, sql }, "index-name-collision");
    const again = 'CREATE INDEX "sessions_id_idx" ON "auth"."sessions" ("id");';
    expect((await reviewMoved(again)).map((f) => f.message)).toEqual([
      'index name "sessions_id_idx" is already used (0000_history.sql:3)',
    ]);
    expect(
      await reviewMoved(
        'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE INDEX "sessions_id_idx" ON "sessions" ("id");',
      ),
    ).toEqual([]);
  });

  it("flags a name used twice within one migration", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");';
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([2]);
  });

  it("names a long name as written when PostgreSQL cuts it short of 63 bytes, not to split a letter", async () => {
    // 62 ASCII bytes and a two-byte letter: PostgreSQL keeps the 62, the parse tree holds those.
    const name = `${"organization_slug_".repeat(3)}${"x".repeat(8)}é_tail`;
    const sql = `CREATE INDEX "${name}" ON "organization" ("slug");--> statement-breakpoint\nCREATE INDEX "${name}" ON "organization" ("id");`;
    const findings = await review(sql);
    expect(findings.map((f) => f.message)).toEqual([`index name "${name}" is already used (0100_example.sql:1)`]);
  });

  it("passes IF NOT EXISTS restating the very same index: it changes nothing", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "organization_slug_idx" ON "organization" USING btree ("slug");';
    expect(await review(sql)).toEqual([]);
  });

  it("passes new, short names", async () => {
    expect(
      await review('CREATE INDEX "organization_id_slug_idx" ON "organization" USING btree ("id","slug");'),
    ).toEqual([]);
  });

  it("flags a foreign key name added twice to one table", async () => {
    const fk = (n: number) =>
      `ALTER TABLE "member" ADD CONSTRAINT "member_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE ${n ? "cascade" : "no action"} ON UPDATE no action;`;
    const member = 'CREATE TABLE "member" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text\n);';
    const findings = await reviewExample({ history: [...history, member, fk(0)], sql: fk(1) }, "index-name-collision");
    expect(findings.map((f) => f.message)).toEqual([
      'constraint name "member_organization_id_organization_id_fk" is already used (0002_history.sql:1)',
    ]);
  });

  it("flags IF NOT EXISTS with a taken name and another definition: the new index is silently not built", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "organization_slug_idx" ON "organization" USING btree ("id","slug");';
    expect((await review(sql)).map((f) => f.line)).toEqual([2]);
  });

  it("frees an index name when its column is dropped", async () => {
    const earlier = 'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");';
    const sql =
      'ALTER TABLE "organization" DROP COLUMN "slug";--> statement-breakpoint\nALTER TABLE "organization" ADD COLUMN "slug" text;--> statement-breakpoint\nCREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");';
    expect(await reviewExample({ history: [...history, earlier], sql }, "index-name-collision")).toEqual([]);
  });

  it("follows ALTER INDEX … RENAME: the old name is free, the new one taken", async () => {
    const earlier = 'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");';
    const sql =
      'ALTER INDEX "organization_slug_idx" RENAME TO "organization_slug_lookup";--> statement-breakpoint\nCREATE INDEX "organization_slug_idx" ON "organization" USING btree ("id");--> statement-breakpoint\nCREATE INDEX "organization_slug_lookup" ON "organization" USING btree ("id");';
    const findings = await reviewExample({ history: [...history, earlier], sql }, "index-name-collision");
    expect(findings.map((f) => f.line)).toEqual([3]);
  });
});
