import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import {
  DATA_LOSS_MARKER,
  planRevert,
  REVERT_TODO_MARKER,
  readReviewConfig,
  runReview,
  splitStatements,
  writeRevert,
} from "@repo/migrator";
import { REVIEW_CONFIG_PATH } from "../project.ts";
import * as schema from "../schema/index.ts";
import { fileURLToPath } from "node:url";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";
import { refusal } from "../testing/revert-refusal.ts";
import { runCommand } from "../testing/run-command.ts";

type Tables = Record<string, { columns: Record<string, unknown> }>;
/** A table in Drizzle Kit's JSON of a schema: its columns and indexes by name. */
type PgTableJson = { columns: Record<string, unknown>; indexes: Record<string, unknown> };

const SCHEMA_FOLDER = fileURLToPath(new URL("../schema", import.meta.url));

let scratch: ScratchMigrations | undefined;
afterEach(() => {
  scratch?.remove();
  scratch = undefined;
});

function scratchUpTo(idx?: number): ScratchMigrations {
  scratch = scratchMigrations(idx);
  return scratch;
}

/**
 * The whole history with 0017 reverted first: 0017 re-keyed 0009's table, so reverting 0009 on the
 * history as it is now takes the revert of 0017 before it.
 */
async function historyWith0017Reverted(): Promise<ScratchMigrations> {
  const s = scratchUpTo();
  writeRevert(await planRevert({ folder: s.dir, tag: "0017" }));
  return s;
}

/** The schema module without some exports: the TypeScript schema "changed back". */
function schemaWithout(...names: (keyof typeof schema)[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...schema };
  for (const name of names) delete copy[name];
  return copy;
}

describe("db:revert writes the reversing migration like Drizzle Kit would", () => {
  it.each([2, 3, 4, 5, 6, 7, 8, 9])(
    "for 000%i as the last migration: next idx, chained snapshot, later journal entry, no drift",
    async (k) => {
      const s = scratchUpTo(k);
      const before = s.journal();
      const reverted = before.entries[k];
      if (!reverted) throw new Error(`no entry ${k}`);
      const plan = await planRevert({ folder: s.dir, now: () => reverted.when - 5 });
      writeRevert(plan);

      const after = s.journal();
      const entry = after.entries.at(-1);
      expect(after.entries).toHaveLength(k + 2);
      expect(entry).toMatchObject({
        idx: k + 1,
        tag: `${String(k + 1).padStart(4, "0")}_revert_${reverted.tag}`,
        breakpoints: true,
      });
      expect(entry?.when).toBeGreaterThan(reverted.when);
      const written = s.snapshot(k + 1);
      expect(written.prevId).toBe(s.snapshot(k).id);
      expect(written.id).not.toBe(s.snapshot(k - 1).id);
      // What drizzle-kit generate would see once the schema is back at the state before TAG: nothing.
      expect(await generateMigration(written as never, s.snapshot(k - 1) as never)).toEqual([]);

      const sql = readFileSync(plan.migration.sqlPath, "utf8");
      expect(splitStatements(sql).length).toBeGreaterThan(0);
      const lines = sql.split("\n");
      for (const loss of plan.dataLoss) {
        expect(lines[loss.line - 2]).toBe(`${DATA_LOSS_MARKER} ${loss.message}`);
        expect(lines[loss.line - 1]).toContain(loss.statement.split("\n")[0]);
      }

      // db:review flags every drop the revert marked, at the marked statement.
      const review = await runReview({
        folder: s.dir,
        config: readReviewConfig(REVIEW_CONFIG_PATH),
        tags: [entry?.tag ?? ""],
      });
      const dropLines = review.findings.filter((f) => f.rule === "drop-statement").map((f) => f.line);
      const markedDrops = plan.dataLoss.filter((loss) => /\bDROP\b/i.test(loss.statement));
      expect(markedDrops.length).toBeGreaterThan(0);
      for (const loss of markedDrops) expect(dropLines, loss.message).toContain(loss.line);
    },
  );

  it("leaves the TypeScript schema without drift once it is changed back (reverting 0009 on the full history, after 0017)", async () => {
    const s = await historyWith0017Reverted();
    const plan = await planRevert({ folder: s.dir, schemaFolder: SCHEMA_FOLDER, tag: "0009" });
    const reverted = generateDrizzleJson(
      schemaWithout("documentChunk", "documentChunkRelations", "documentSourceTableEnum"),
    );
    expect(await generateMigration(plan.migration.snapshot as never, reverted)).toEqual([]);
    expect(plan.dataLoss.map((d) => d.message)).toEqual([
      'drops table "document_chunk" and its rows',
      'drops extension "vector" and whatever its own tables hold',
    ]);
    const definedAt =
      readFileSync(`${SCHEMA_FOLDER}/search.ts`, "utf8").split("\n").indexOf("export const documentChunk = pgTable(") +
      1;
    expect(definedAt).toBeGreaterThan(0);
    expect(plan.schemaChanges.find((c) => c.object === 'table "document_chunk"')?.locations).toEqual([
      `search.ts:${definedAt}`,
    ]);
  });

  it("drops the extension 0009 created, after the table that used it (on the full history, after 0017)", async () => {
    const s = await historyWith0017Reverted();
    const plan = await planRevert({ folder: s.dir, tag: "0009" });
    const statements = plan.statements.map((st) => st.sql.trim());
    const dropTable = statements.findIndex((st) => st.startsWith('DROP TABLE IF EXISTS "document_chunk"'));
    const dropExtension = statements.indexOf('DROP EXTENSION IF EXISTS "vector";');
    expect(dropTable).toBeGreaterThanOrEqual(0);
    expect(dropExtension).toBeGreaterThan(dropTable);
    expect(plan.todos).toEqual([]);
  });

  it("needs no reverse for 0003's REVOKE: the tables it names are dropped", async () => {
    const s = scratchUpTo(3);
    const plan = await planRevert({ folder: s.dir });
    expect(plan.todos).toEqual([]);
    expect(plan.notes.join("\n")).toMatch(/REVOKE on "ai_model", "ai_model_pricing": the revert drops them/);
  });

  it("reverts an earlier migration that no later one touches (0008) on the full history, without drift against the changed-back schema", async () => {
    const s = scratchUpTo();
    const plan = await planRevert({ folder: s.dir, tag: "0008" });
    expect(plan.wasLast).toBe(false);
    expect(plan.checkedLater).toEqual(
      s
        .journal()
        .entries.slice(9)
        .map((e) => e.tag),
    );
    // The TypeScript schema changed back: ai_usage without the two columns and the index 0008 added.
    const reverted = generateDrizzleJson(schema) as { tables: Record<string, PgTableJson> };
    const aiUsage = reverted.tables["public.ai_usage"];
    if (!aiUsage) throw new Error("no ai_usage in the schema");
    for (const column of ["correlation_id", "embedding_count"]) {
      expect(aiUsage.columns).toHaveProperty(column);
      delete aiUsage.columns[column];
    }
    expect(aiUsage.indexes).toHaveProperty("ai_usage_correlationId_idx");
    delete aiUsage.indexes["ai_usage_correlationId_idx"];
    expect(await generateMigration(plan.migration.snapshot as never, reverted as never)).toEqual([]);
  });

  it("reverts 0009 on the full history once 0017 is reverted: every later migration checked, the revert of 0017 too", async () => {
    const s = await historyWith0017Reverted();
    const plan = await planRevert({ folder: s.dir, tag: "0009" });
    expect(plan.wasLast).toBe(false);
    const later = s
      .journal()
      .entries.slice(10)
      .map((e) => e.tag);
    expect(later.at(-1)).toBe(`${String(later.length + 9).padStart(4, "0")}_revert_0017_tenant-chunk-source-key`);
    expect(plan.checkedLater).toEqual(later);
    const reverted = generateDrizzleJson(
      schemaWithout("documentChunk", "documentChunkRelations", "documentSourceTableEnum"),
    );
    expect(await generateMigration(plan.migration.snapshot as never, reverted)).toEqual([]);
  });

  it("reverts 0015 though 0016 validated its keys: a VALIDATE changed nothing a revert must undo first", async () => {
    const s = scratchUpTo();
    const plan = await planRevert({ folder: s.dir, tag: "0015" });
    expect(plan.wasLast).toBe(false);
    expect(plan.todos).toEqual([]);
    const statements = plan.statements.map((st) => st.sql.trim());
    expect(statements).toContain('ALTER TABLE "plan_step" DROP CONSTRAINT IF EXISTS "plan_step_plan_id_tenant_fk";');
    // Put back where no constraint of its name is on the table (one that is there must be the same).
    const putBack = statements.find((st) => st.includes('ADD CONSTRAINT "plan_step_plan_id_research_plan_id_fk"'));
    expect(putBack?.split("\n").slice(0, 3)).toEqual([
      "DO $$ BEGIN",
      `  IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '"plan_step"'::regclass AND conname = 'plan_step_plan_id_research_plan_id_fk') THEN`,
      '    ALTER TABLE "plan_step" ADD CONSTRAINT "plan_step_plan_id_research_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."research_plan"("id") ON DELETE cascade ON UPDATE no action;',
    ]);
  });

  it("refuses an earlier migration a later one builds on (0004), naming the objects and migrations", async () => {
    const s = scratchUpTo();
    const journalBefore = JSON.stringify(s.journal());
    const error = await refusal(planRevert({ folder: s.dir, tag: "0004_happy_rhodey" }));
    expect(error.code).toBe("later-migration-conflict");
    expect(error.message).toContain("0007_tro-101-research-improvements");
    expect(error.conflicts).toContainEqual({
      object: 'table "plan_step"',
      migration: "0007_tro-101-research-improvements",
      touches: 'changes column "plan_step"."depends_on"',
    });
    expect(error.conflicts).toContainEqual({
      object: 'table "research_plan"',
      migration: "0005_marvelous_violations",
      touches: 'references column "research_plan"."id"',
    });
    expect(JSON.stringify(s.journal())).toBe(journalBefore);
  });

  it("refuses an unknown tag and the first migration, and a name unusable in a file name", async () => {
    const s = scratchUpTo();
    const unknown = await refusal(planRevert({ folder: s.dir, tag: "0042" }));
    expect(unknown.code).toBe("unknown-migration");
    // The newest ten of the history, and how many it has: not the whole list of a long one.
    const tags = s.entries().map((e) => e.tag);
    expect(tags.length).toBeGreaterThan(10);
    expect(unknown.fix).toBe(
      `name a migration by its tag, its number prefix or its idx; the journal has ${tags.length}: … ${tags.length - 10} before, ${tags.slice(-10).join(", ")}`,
    );
    expect((await refusal(planRevert({ folder: s.dir, tag: "0000" }))).code).toBe("first-migration");
    expect((await refusal(planRevert({ folder: s.dir, name: "undo chunks" }))).code).toBe("invalid-name");
    const named = await planRevert({ folder: s.dir, tag: "0008", name: "undo-usage-columns" });
    expect(named.migration.entry.tag).toBe(`${String(s.entries().length).padStart(4, "0")}_undo-usage-columns`);
  });

  it("refuses an invalid folder in its own words: db:revert wrote nothing (not db:migrate's 'nothing was applied')", async () => {
    const s = scratchUpTo(3);
    rmSync(`${s.dir}/${s.entries()[2]?.tag}.sql`);
    const error = await refusal(planRevert({ folder: s.dir }));
    expect(error.code).toBe("history-unreadable");
    expect(error.message).toMatch(/^migrations folder .* is invalid \(1 problem\); db:revert wrote nothing:\n {2}- /);
    expect(error.message).not.toContain("nothing was applied");
  });

  it("refuses to guess when the reverse could be a rename (Drizzle Kit would prompt)", async () => {
    const s = scratchUpTo(9);
    const snapshot = s.snapshot(9);
    const columns = (snapshot["tables"] as Tables)["public.ai_usage"]?.columns ?? {};
    columns["latency"] = { ...(columns["latency_ms"] as object), name: "latency" };
    delete columns["latency_ms"];
    s.add("rename-latency", 'ALTER TABLE "ai_usage" RENAME COLUMN "latency_ms" TO "latency";', { snapshot });
    const error = await refusal(planRevert({ folder: s.dir }));
    expect(error.code).toBe("ambiguous-rename");
    expect(error.ambiguities.join("\n")).toMatch(/"latency" would go and "latency_ms" would come/);
  });

  it("marks what it cannot bring back: a dropped column returns empty, a removed enum value cannot be kept", async () => {
    const s = scratchUpTo(9);
    const snapshot = s.snapshot(9);
    const columns = (snapshot["tables"] as Tables)["public.ai_usage"]?.columns ?? {};
    delete columns["latency_ms"];
    const enums = snapshot["enums"] as Record<string, { values: string[] }>;
    enums["public.document_source_table"]?.values.push("web_page");
    s.add(
      "drop-latency",
      `ALTER TYPE "public"."document_source_table" ADD VALUE 'web_page';--> statement-breakpoint\nALTER TABLE "ai_usage" DROP COLUMN "latency_ms";`,
      { snapshot },
    );
    const plan = await planRevert({ folder: s.dir });
    const messages = plan.dataLoss.map((d) => d.message).join("\n");
    expect(messages).toContain('re-adds column "ai_usage"."latency_ms" empty');
    expect(messages).toContain(`enum "document_source_table" loses 'web_page'`);
  });

  it("lists what a hand-written DELETE, UPDATE, upsert or DROP COLUMN destroyed with the data loss, above its TODO (also inside a WITH)", async () => {
    const s = scratchUpTo(9);
    const purge = [
      'DELETE FROM "ai_usage" WHERE "cost_usd" = 0;',
      'UPDATE "ai_usage" SET "latency_ms" = NULL;',
      'ALTER TABLE "ai_usage" DROP COLUMN "embedding_count";',
      'WITH gone AS (DELETE FROM "ai_batch" RETURNING "id") SELECT count(*) FROM gone;',
      'INSERT INTO "ai_model" ("id", "provider", "provider_model_id", "display_name") VALUES (\'m\', \'openai\', \'x\', \'M\') ON CONFLICT ("id") DO UPDATE SET "display_name" = excluded."display_name";',
    ].join("--> statement-breakpoint\n");
    s.add("purge", purge);
    const plan = await planRevert({ folder: s.dir });
    writeRevert(plan);
    expect(plan.dataLoss.map((d) => d.message)).toEqual([
      'its DELETE on "ai_usage" removed rows that reverting does not bring back (restore them from a backup)',
      'its UPDATE of "ai_usage" overwrote values that reverting does not bring back (restore them from a backup)',
      'it dropped column "ai_usage"."embedding_count" and its values, which reverting does not bring back',
      'its DELETE on "ai_batch" removed rows that reverting does not bring back (restore them from a backup)',
      'its INSERT … ON CONFLICT DO UPDATE of "ai_model" overwrote values that reverting does not bring back',
    ]);
    const lines = readFileSync(plan.migration.sqlPath, "utf8").split("\n");
    for (const loss of plan.dataLoss) {
      expect(lines[loss.line - 2]).toBe(`${DATA_LOSS_MARKER} ${loss.message}`);
      expect(lines[loss.line - 1]).toMatch(/^-- TODO\(db:revert\):/);
    }
  });

  it("marks a narrowed column even when the same migration added an enum value (only the enum's round trip is its own)", async () => {
    const s = scratchUpTo(9);
    const snapshot = s.snapshot(9);
    const cost = (snapshot["tables"] as Tables)["public.ai_usage"]?.columns["cost_usd"] as { type: string };
    cost.type = "numeric(14, 8)";
    const enums = snapshot["enums"] as Record<string, { values: string[] }>;
    enums["public.document_source_table"]?.values.push("web_page");
    s.add(
      "widen-cost",
      `ALTER TYPE "public"."document_source_table" ADD VALUE 'web_page';--> statement-breakpoint\nALTER TABLE "ai_usage" ALTER COLUMN "cost_usd" SET DATA TYPE numeric(14, 8);`,
      { snapshot },
    );
    const plan = await planRevert({ folder: s.dir });
    const messages = plan.dataLoss.map((d) => d.message);
    expect(messages.filter((m) => m.startsWith("changes the type of"))).toEqual([
      'changes the type of "ai_usage"."cost_usd": values that do not convert make it fail, narrower types lose precision',
    ]);
    expect(messages.join("\n")).toContain(`enum "document_source_table" loses 'web_page'`);
  });

  it("drops a role only after the policies that use it", async () => {
    const s = scratchUpTo(9);
    const snapshot = s.snapshot(9);
    (snapshot["roles"] as Record<string, unknown>)["auditor"] = {
      name: "auditor",
      createDb: false,
      createRole: false,
      inherit: true,
    };
    const aiModel = (snapshot["tables"] as Record<string, { policies: Record<string, unknown> }>)["public.ai_model"];
    if (!aiModel) throw new Error("no ai_model in snapshot 0009");
    aiModel.policies["ai_model_audit"] = {
      name: "ai_model_audit",
      as: "PERMISSIVE",
      for: "SELECT",
      to: ["auditor"],
      using: "true",
    };
    s.add(
      "auditor",
      `CREATE ROLE "auditor";--> statement-breakpoint\nCREATE POLICY "ai_model_audit" ON "ai_model" AS PERMISSIVE FOR SELECT TO "auditor" USING (true);`,
      { snapshot },
    );
    const statements = (await planRevert({ folder: s.dir })).statements.map((st) => st.sql.trim());
    expect(statements.indexOf('DROP ROLE IF EXISTS "auditor";')).toBeGreaterThan(
      statements.indexOf('DROP POLICY IF EXISTS "ai_model_audit" ON "ai_model" CASCADE;'),
    );
    expect(statements.indexOf('DROP POLICY IF EXISTS "ai_model_audit" ON "ai_model" CASCADE;')).toBeGreaterThanOrEqual(
      0,
    );
  });

  it("reverses hand-written SQL it can derive and leaves a TODO block for the rest", async () => {
    const s = scratchUpTo(9);
    s.add(
      "hand-written",
      [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "CREATE EXTENSION IF NOT EXISTS vector;",
        'CREATE INDEX "document_chunk_content_trgm_idx" ON "document_chunk" USING gin ("content" gin_trgm_ops);',
        'ALTER TABLE "document_chunk" ADD COLUMN "content_length" integer GENERATED ALWAYS AS (length("content")) STORED;',
        'GRANT SELECT ON "document_chunk" TO "anonymous";',
      ].join("--> statement-breakpoint\n"),
      { snapshot: s.snapshot(9) },
    );
    const plan = await planRevert({ folder: s.dir });
    expect(plan.statements.map((st) => st.sql)).toEqual([
      'ALTER TABLE "document_chunk" DROP COLUMN IF EXISTS "content_length";',
      'DROP INDEX IF EXISTS "document_chunk_content_trgm_idx";',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
    ]);
    expect(plan.dataLoss.map((d) => d.message)).toEqual([
      'drops column "document_chunk"."content_length" and its values',
      'drops extension "pg_trgm" and whatever its own tables hold',
    ]);
    expect(plan.notes.join("\n")).toMatch(
      /keeps extension "vector": 0009_add-document-chunk-table.sql created it already/,
    );
    expect(plan.todos).toHaveLength(1);
    expect(plan.todos[0]?.location).toBe("0010_hand-written.sql:5");
    expect(plan.migration.sql).toContain(`${REVERT_TODO_MARKER} revoke what this GRANT gave`);
    // The TODO block is comments only: the file still applies, and db:review fails on the marker.
    expect(
      splitStatements(plan.migration.sql)
        .map((st) => st.sql)
        .join("\n"),
    ).not.toContain("GRANT SELECT");
  });
});

describe("db:revert unwinds an earlier migration once the later ones that build on it are reverted", () => {
  it("refuses 0009 on the full history, naming 0017's keys and the columns they cover, until 0017 is reverted", async () => {
    const s = scratchUpTo();
    const refused = await refusal(planRevert({ folder: s.dir, tag: "0009" }));
    expect(refused.code).toBe("later-migration-conflict");
    const rekey = "0017_tenant-chunk-source-key";
    expect(refused.conflicts).toEqual([
      ...["document_chunk_source_idx", "document_chunk_tenant_source_idx"].map((index) => ({
        object: 'table "document_chunk"',
        migration: rekey,
        touches: `changes index "${index}" on "document_chunk"`,
      })),
      ...["organization_id", "source_table", "source_id", "chunk_index"].map((column) => ({
        object: 'table "document_chunk"',
        migration: rekey,
        touches: `references column "document_chunk"."${column}"`,
      })),
    ]);
    expect(refused.fix).toContain(`newest first: db:revert ${rekey}`);
    const last = s.entries().length;
    writeRevert(await planRevert({ folder: s.dir, tag: "0017" }));
    writeRevert(await planRevert({ folder: s.dir, tag: "0009" }));
    expect(
      s
        .journal()
        .entries.map((e) => e.tag)
        .slice(last),
    ).toEqual([
      `${String(last).padStart(4, "0")}_revert_${rekey}`,
      `${String(last + 1).padStart(4, "0")}_revert_0009_add-document-chunk-table`,
    ]);
  });

  it("refuses 0004 until 0008, 0007, 0006 and 0005 are reverted, newest first, then allows it", async () => {
    // The history as far as 0010: committed migrations never change, so the reverts' numbers do not either.
    const s = scratchUpTo(10);
    const blockers = (await refusal(planRevert({ folder: s.dir, tag: "0004" }))).conflicts.map((c) => c.migration);
    expect([...new Set(blockers)].sort()).toEqual([
      "0005_marvelous_violations",
      "0006_milky_dreadnoughts",
      "0007_tro-101-research-improvements",
    ]);
    expect((await refusal(planRevert({ folder: s.dir, tag: "0006" }))).conflicts.map((c) => c.migration)).toContain(
      "0008_add-correlation-id-and-embedding-count",
    );
    for (const tag of ["0008", "0007", "0006", "0005"]) writeRevert(await planRevert({ folder: s.dir, tag }));
    const plan = await planRevert({ folder: s.dir, tag: "0004" });
    writeRevert(plan);
    const tables = Object.keys(plan.migration.snapshot["tables"] as Tables);
    expect(tables).not.toContain("public.plan_step");
    expect(tables).toContain("public.document_chunk");
    expect(
      s
        .journal()
        .entries.map((e) => e.tag)
        .slice(11),
    ).toEqual([
      "0011_revert_0008_add-correlation-id-and-embedding-count",
      "0012_revert_0007_tro-101-research-improvements",
      "0013_revert_0006_milky_dreadnoughts",
      "0014_revert_0005_marvelous_violations",
      "0015_revert_0004_happy_rhodey",
    ]);
  });
});

describe("db:revert never overwrites a file (0.x layout)", () => {
  it("refuses when an untracked file has the new migration's name, and writes nothing", async () => {
    const s = scratchUpTo(9);
    const stray = `${s.dir}/0010_revert_0009_add-document-chunk-table.sql`;
    writeFileSync(stray, "-- someone's work in progress\n");
    const journal = JSON.stringify(s.journal());
    const error = await refusal(planRevert({ folder: s.dir }));
    expect(error.code).toBe("revert-target-exists");
    expect(error.message).toContain(stray);
    const run = await runCommand("revert", ["--migrations", s.dir], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${stray} exists already`);
    expect(readFileSync(stray, "utf8")).toBe("-- someone's work in progress\n");
    expect(existsSync(`${s.dir}/meta/0010_snapshot.json`)).toBe(false);
    expect(JSON.stringify(s.journal())).toBe(journal);
  });

  it("refuses at writing too, when the file appeared after the plan, and leaves the folder as it was", async () => {
    const s = scratchUpTo(9);
    const plan = await planRevert({ folder: s.dir });
    writeFileSync(plan.migration.snapshotPath, "{}");
    const files = readdirSync(s.dir).sort();
    expect(() => writeRevert(plan)).toThrow(/0010_snapshot\.json exists already/);
    expect(readdirSync(s.dir).sort()).toEqual(files);
    expect(existsSync(plan.migration.sqlPath)).toBe(false);
    expect(readFileSync(plan.migration.snapshotPath, "utf8")).toBe("{}");
  });

  it("numbers the revert after every tag when the journal's idx lags them (an entry removed by hand)", async () => {
    const s = scratchUpTo(9);
    // 0008 taken out of the journal: 0009_add-document-chunk-table is now idx 8.
    const journal = s.journal();
    journal.entries = journal.entries.filter((e) => e.idx !== 8).map((e) => (e.idx === 9 ? { ...e, idx: 8 } : e));
    writeFileSync(`${s.dir}/meta/_journal.json`, JSON.stringify(journal, null, 2));
    const snapshot9 = readFileSync(`${s.dir}/meta/0009_snapshot.json`, "utf8");
    const plan = await planRevert({ folder: s.dir });
    expect(plan.migration.entry).toMatchObject({ idx: 9, tag: "0010_revert_0009_add-document-chunk-table" });
    writeRevert(plan);
    expect(readFileSync(`${s.dir}/meta/0009_snapshot.json`, "utf8")).toBe(snapshot9);
    expect(existsSync(`${s.dir}/meta/0010_snapshot.json`)).toBe(true);
  });
});

describe("db:revert on a snapshot Drizzle Kit's differ rejects", () => {
  it("names the snapshot file and says to restore it from git (exit 2, history unreadable), not the differ's raw output", async () => {
    const s = scratchUpTo(9);
    const damaged = s.snapshot(9);
    const columns = (damaged["tables"] as Tables)["public.document_chunk"]?.columns ?? {};
    columns["content"] = { ...(columns["content"] as object), type: null };
    const file = `${s.dir}/meta/0009_snapshot.json`;
    writeFileSync(file, JSON.stringify(damaged, null, 2));
    const error = await refusal(planRevert({ folder: s.dir }));
    expect(error.code).toBe("history-unreadable");
    expect(error.message).toBe(
      `${file} (the snapshot of 0009_add-document-chunk-table) is not one Drizzle Kit's differ reads: tables.public.document_chunk.columns.content.type: Expected string, received null`,
    );
    expect(error.fix).toMatch(/^restore it from git/);
    const run = await runCommand("revert", ["--migrations", s.dir], {});
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain("invalid_type");
  });
});
