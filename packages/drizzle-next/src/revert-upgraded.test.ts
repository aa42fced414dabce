/**
 * `db:revert` on Trovella's history converted by `drizzle-kit up` (1.0 layout, format-8 snapshots):
 * it writes `<UTC time>_<name>/migration.sql` and `snapshot.json` in Drizzle Kit 1.0's form, and
 * finds what it finds on the same history as committed (0.x): the same data loss, notes, TODOs
 * and conflicts, named by the 1.0 names. Applying the written files is `revert-upgraded.db.test.ts`.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Migration,
  planRevert,
  type RevertError,
  type RevertPlan,
  readMigrationFolder,
  revertCommand,
  writeRevert,
} from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { MIGRATIONS_FOLDER } from "@repo/db/testing";
import { scratchMigrations } from "@repo/db/testing/scratch-migrations";
import { legacyAndUpgraded } from "./upgraded-history.ts";

type Snapshot = Record<string, unknown> & { id: string };
const kit = createRequire(import.meta.url)("drizzle-kit/api-postgres") as {
  generateMigration(a: unknown, b: unknown): Promise<string[]>;
  up(snapshot: unknown): { snapshot: Snapshot };
};

let histories: ReturnType<typeof legacyAndUpgraded>;
/** The committed history's migrations: their 0.x tags and 1.0 names. */
let legacy: Migration[];
beforeAll(() => {
  histories = legacyAndUpgraded(MIGRATIONS_FOLDER);
  legacy = readMigrationFolder(histories.legacy.migrations).migrations;
});
afterAll(() => histories?.remove());

let copies = 0;
/** A copy of the converted folder inside its project (so Drizzle Kit 1.0 is found), cut after migration `upTo`. */
function upgradedCopy(upTo?: number): string {
  const dir = join(histories.upgraded.root, `copy-${copies++}`);
  cpSync(histories.upgraded.migrations, dir, { recursive: true });
  if (upTo !== undefined)
    for (const name of readdirSync(dir)
      .sort()
      .slice(upTo + 1))
      rmSync(join(dir, name), { recursive: true });
  return dir;
}

/** A 0.x text with its tags and file names replaced by the 1.0 names (`0003_x.sql` → `2026…_x/migration.sql`). */
function renamed(text: string): string {
  let result = text;
  for (const m of legacy)
    result = result.replaceAll(`${m.tag}.sql`, `${m.name}/migration.sql`).replaceAll(m.tag, m.name);
  return result;
}

/** What a plan tells the user, independent of the SQL text (which 1.0 words differently). */
function findings(plan: RevertPlan) {
  return {
    dataLoss: plan.dataLoss.map((d) => d.message).sort(),
    todos: plan.todos.map((t) => ({ message: t.message, location: t.location, statement: t.statement })),
    notes: plan.notes,
    checkedLater: plan.checkedLater,
    schemaChanges: plan.schemaChanges.map((c) => c.object).sort(),
  };
}

function legacyFindings(plan: RevertPlan) {
  return JSON.parse(renamed(JSON.stringify(findings(plan)))) as ReturnType<typeof findings>;
}

const snapshotOf = (dir: string, name: string): Snapshot =>
  JSON.parse(readFileSync(join(dir, name, "snapshot.json"), "utf8")) as Snapshot;

async function refusal(promise: Promise<unknown>): Promise<RevertError> {
  return (await promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e,
  )) as RevertError;
}

describe("db:revert in Drizzle Kit 1.0's layout", () => {
  it.each([3, 7, 9, 10])(
    "reverting migration %i as the last one: a new folder in 1.0's form, the findings of the 0.x history, no drift",
    async (k) => {
      const dir = upgradedCopy(k);
      const scratch = scratchMigrations(k);
      try {
        const now = Date.UTC(2027, 0, 1, 12, 0, 0, 500);
        const plan = await planRevert({ folder: dir, now: () => now });
        const before = await planRevert({ folder: scratch.dir });
        expect(findings(plan)).toEqual(legacyFindings(before));

        const name = `20270101120000_revert_${legacy[k]?.name}`;
        expect(plan.migration).toMatchObject({
          layout: "folders",
          sqlPath: join(dir, name, "migration.sql"),
          snapshotPath: join(dir, name, "snapshot.json"),
          entry: { idx: k + 1, tag: name, when: Date.UTC(2027, 0, 1, 12, 0, 0) },
        });
        writeRevert(plan);
        // Read at the time the revert was planned: its folder's time is not in the future then.
        const folder = readMigrationFolder(dir, { now });
        expect(folder.warnings).toEqual([]);
        expect(folder.migrations.map((m) => m.name).at(-1)).toBe(name);
        expect(readFileSync(plan.migration.sqlPath, "utf8")).toBe(plan.migration.sql);
        const written = readFileSync(plan.migration.snapshotPath, "utf8");
        expect(written.endsWith("}")).toBe(true);
        const snapshot = JSON.parse(written) as Snapshot;
        const last = snapshotOf(dir, legacy[k]?.name ?? "");
        expect(Object.keys(snapshot)).toEqual(["id", "prevIds", "version", "dialect", "ddl", "renames"]);
        expect(snapshot).toMatchObject({ prevIds: [last.id], version: "8", dialect: "postgres", renames: [] });
        // What drizzle-kit generate would find once the schema is back at the state before: nothing.
        expect(await kit.generateMigration(snapshot, snapshotOf(dir, legacy[k - 1]?.name ?? ""))).toEqual([]);
      } finally {
        scratch.remove();
      }
    },
  );

  it.each([11, 12])(
    "reverting migration %i, which worked on an index CONCURRENTLY: the 0.x history's statements, outside a transaction",
    async (k) => {
      const dir = upgradedCopy(k);
      const scratch = scratchMigrations(k);
      try {
        const plan = await planRevert({ folder: dir });
        const before = await planRevert({ folder: scratch.dir });
        expect(plan.outsideTransaction).toBe(true);
        // Drizzle Kit 1.0 leaves out the default `USING btree`.
        const words = (p: RevertPlan) => p.statements.map((st) => st.sql.replace(" USING btree ", " "));
        expect(words(plan)).toEqual(words(before));
        expect(plan.statements.every((st) => / CONCURRENTLY IF (NOT )?EXISTS /.test(st.sql))).toBe(true);
        writeRevert(plan);
        // The runner reads the directive from migration.sql's first line.
        expect(readMigrationFolder(dir).migrations.at(-1)?.noTransaction).toBe(true);
      } finally {
        scratch.remove();
      }
    },
  );

  it("reverts an earlier migration (0008) no later one touches: the state of the 0.x revert", async () => {
    const dir = upgradedCopy();
    const scratch = scratchMigrations();
    try {
      const plan = await planRevert({ folder: dir, tag: legacy[8]?.name });
      const before = await planRevert({ folder: scratch.dir, tag: "0008" });
      expect(plan.wasLast).toBe(false);
      expect(findings(plan)).toEqual(legacyFindings(before));
      expect(await kit.generateMigration(plan.migration.snapshot, kit.up(before.migration.snapshot).snapshot)).toEqual(
        [],
      );
    } finally {
      scratch.remove();
    }
  });

  it("refuses an earlier migration a later one builds on (0004), naming the same objects and migrations", async () => {
    const dir = upgradedCopy();
    const scratch = scratchMigrations();
    try {
      const error = await refusal(planRevert({ folder: dir, tag: legacy[4]?.name.slice(0, 14) }));
      const legacyError = await refusal(planRevert({ folder: scratch.dir, tag: "0004" }));
      expect(error.code).toBe("later-migration-conflict");
      const conflicts = (e: RevertError) => e.conflicts.map((c) => JSON.stringify(c)).sort();
      expect(conflicts(error)).toEqual(conflicts(legacyError).map(renamed).sort());
      expect(error.message).toBe(renamed(legacyError.message));
      expect(readdirSync(dir)).toHaveLength(legacy.length);
    } finally {
      scratch.remove();
    }
  });

  it("reverses a hand-written migration's SQL and leaves the same TODO, located in its folder", async () => {
    const dir = upgradedCopy();
    const scratch = scratchMigrations();
    try {
      const sql = [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        'CREATE INDEX "document_chunk_content_trgm_idx" ON "document_chunk" USING gin ("content" gin_trgm_ops);',
        'GRANT SELECT ON "document_chunk" TO "anonymous";',
      ].join("--> statement-breakpoint\n");
      const tag = scratch.add("hand-written", sql, { when: Date.UTC(2027, 0, 1) });
      const name = "20270101000000_hand-written";
      const last = snapshotOf(dir, legacy.at(-1)?.name ?? "");
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "migration.sql"), sql);
      writeFileSync(
        join(dir, name, "snapshot.json"),
        JSON.stringify({ ...last, id: "6f1c7a52-3f0e-4d53-9d67-0d0c8f9a0b11", prevIds: [last.id] }, null, 2),
      );
      const plan = await planRevert({ folder: dir });
      const before = await planRevert({ folder: scratch.dir });
      expect(plan.statements.map((s) => s.sql)).toEqual(before.statements.map((s) => s.sql));
      expect(plan.todos.map((t) => t.location)).toEqual([`${name}/migration.sql:3`]);
      expect(findings(plan)).toEqual({
        ...legacyFindings(before),
        todos: legacyFindings(before).todos.map((t) => ({
          ...t,
          location: t.location.replace(`${tag}.sql`, `${name}/migration.sql`),
        })),
      });
    } finally {
      scratch.remove();
    }
  });
});

describe("a migration in Drizzle Kit 0.31's words on a converted history", () => {
  it("is recognised as what 1.0 generates (no TODO), and marks the same data loss", async () => {
    const sql = `ALTER TYPE "public"."document_source_table" ADD VALUE 'web_page';--> statement-breakpoint\nALTER TABLE "ai_usage" DROP COLUMN "latency_ms";`;
    const dir = upgradedCopy();
    const last = snapshotOf(dir, legacy.at(-1)?.name ?? "");
    const ddl = (last["ddl"] as Record<string, unknown>[]).filter(
      (e) => !(e["entityType"] === "columns" && e["table"] === "ai_usage" && e["name"] === "latency_ms"),
    );
    const type = ddl.find((e) => e["entityType"] === "enums" && e["name"] === "document_source_table");
    (type?.["values"] as string[]).push("web_page");
    const name = "20270101000000_drop-latency";
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
    const after = { ...last, id: "0d5f3c0e-5d7b-4a0c-9a51-6f3b1b2c4d5e", prevIds: [last.id], ddl };
    writeFileSync(join(dir, name, "snapshot.json"), JSON.stringify(after, null, 2));

    const scratch = scratchMigrations();
    try {
      // The legacy history's last snapshot, as the converted one's `last`.
      const snapshot = scratch.snapshot(scratch.entries().at(-1)?.idx ?? 0) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      delete snapshot["tables"]["public.ai_usage"].columns["latency_ms"];
      snapshot["enums"]["public.document_source_table"].values.push("web_page");
      scratch.add("drop-latency", sql, { snapshot, when: Date.UTC(2027, 0, 1) });
      const plan = await planRevert({ folder: dir });
      const before = await planRevert({ folder: scratch.dir });
      expect(plan.todos).toEqual([]);
      expect(findings(plan)).toEqual(legacyFindings(before));
      expect(plan.dataLoss.map((d) => d.message).join("\n")).toContain(`enum "document_source_table" loses 'web_page'`);
    } finally {
      scratch.remove();
    }
  });
});

describe("the command on a 1.0 folder", () => {
  const project = {
    migrationsFolder: MIGRATIONS_FOLDER,
    openDriver: () => Promise.reject(new Error("db:revert opens no database")),
  };

  it("writes the folder and says so", async () => {
    const dir = upgradedCopy();
    const last = readdirSync(dir).sort().at(-1) ?? "";
    const run = await runCaptured(revertCommand(project), ["--migrations", dir], { env: {}, cwd: dir });
    expect(run.code).toBe(0);
    const name = readdirSync(dir).sort().at(-1) ?? "";
    expect(name).toMatch(new RegExp(`^\\d{14}_revert_${last}$`));
    expect(run.stdout).toContain(`Wrote ${name}/migration.sql and ${name}/snapshot.json (migration ${name}).`);
  });

  it("refuses, with exit 2, a folder whose project has no Drizzle Kit 1.0, and a format-9 snapshot", async () => {
    const dir = upgradedCopy();
    const elsewhere = join(histories.legacy.root, "..", `${histories.legacy.root.split("/").at(-1)}-no-kit`);
    cpSync(dir, elsewhere, { recursive: true });
    try {
      const missing = await runCaptured(revertCommand(project), ["--migrations", elsewhere], { env: {}, cwd: dir });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /diffing them takes drizzle-kit 1\.0 \(drizzle-kit\/api-postgres\), and none is installed/,
      );
      expect(missing.stderr).toMatch(/fix: install the drizzle-kit 1\.0 that wrote the snapshots/);
      expect(readdirSync(elsewhere)).toHaveLength(legacy.length);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    const last = legacy.at(-1)?.name ?? "";
    const { ddl: _ddl, ...rest } = snapshotOf(dir, last);
    writeFileSync(
      join(dir, last, "snapshot.json"),
      JSON.stringify({ ...rest, version: "9", type: "diff", deltas: [] }),
    );
    const v9 = await runCaptured(revertCommand(project), ["--migrations", dir], { env: {}, cwd: dir });
    expect(v9.code).toBe(2);
    expect(v9.stderr).toContain(`${join(dir, last, "snapshot.json")}: snapshot`);
    expect(v9.stderr).toContain("is Drizzle Kit's format 9 (a diff snapshot");
  });
});
