import { describe, expect, it } from "vitest";
import { reviewCorpus } from "../testing/corpus-histories.ts";
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

  it("flags a name used twice within one migration", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");';
    const findings = await review(sql);
    expect(findings.map((f) => f.line)).toEqual([2]);
  });

  it("passes IF NOT EXISTS restating the very same index: it changes nothing", async () => {
    const sql =
      'CREATE INDEX "organization_slug_idx" ON "organization" USING btree ("slug");--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "organization_slug_idx" ON "organization" USING btree ("slug");';
    expect(await review(sql)).toEqual([]);
  });

  it("flags a name longer than 63 bytes", async () => {
    const name = "extraction_result_source_artifact_id_research_artifact_revision_id_fk";
    const findings = await review(`ALTER TABLE "organization" ADD CONSTRAINT "${name}" CHECK ("slug" <> '');`);
    expect(findings.map((f) => f.message)).toEqual([
      `constraint name "${name}" is ${name.length} bytes: PostgreSQL truncates it to 63`,
    ]);
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

// Names freed or scoped as PostgreSQL frees and scopes them, on the real histories where the
// review said "already used" (fixtures/histories).
describe("index-name-collision on real histories", () => {
  const cases: { name: string; folder: string; tags: string[] }[] = [
    // ALTER TABLE … DROP CONSTRAINT then ADD CONSTRAINT of the same name: Drizzle Kit's change of ON DELETE.
    {
      name: "a foreign key dropped and re-added",
      folder: "Dokploy__dokploy",
      tags: ["0008_lazy_sage", "0171_lucky_echo"],
    },
    {
      name: "a foreign key re-added migrations after its drop",
      folder: "Dokploy__dokploy",
      tags: ["0094_numerous_carmella_unuscione"],
    },
    // DROP TABLE "mail0_account" CASCADE in 0002; 0003 creates the table and its foreign key again.
    { name: "a name freed by DROP TABLE", folder: "Mail-0__Zero", tags: ["0003_purple_kylun"] },
    // DROP CONSTRAINT of a UNIQUE constraint, then the constraint (and its index) again.
    {
      name: "a unique constraint dropped and re-added",
      folder: "giselles-ai__giselle",
      tags: ["0045_brown_spitfire", "0047_hot_chamber"],
    },
    // DROP CONSTRAINT IF EXISTS then ADD CONSTRAINT of a check; CREATE INDEX IF NOT EXISTS restated identically.
    {
      name: "a check re-added and an index restated",
      folder: "miurla__morphic",
      tags: ["0014_private_file_object_keys", "0015_library_file_object_keys_only"],
    },
    // "auth"."sessions" and "public"."sessions" each have a sessions_user_id_users_id_fk: different tables.
    { name: "one constraint name on tables in two schemas", folder: "tambo-ai__tambo", tags: ["0082_lowly_valkyrie"] },
  ];
  for (const { name, folder, tags } of cases) {
    it(`${name}: ${folder} ${tags.join(", ")}`, async () => {
      const findings = await reviewCorpus(folder, { only: tags, rule: "index-name-collision" });
      expect(findings.filter((f) => f.message.includes("already used"))).toEqual([]);
    });
  }
});
