/**
 * A generated history of Drizzle Kit–style migrations for benchmarks: each migration creates a
 * tenant table (with RLS, a foreign key, indexes and the four policies) or alters an earlier one,
 * as `drizzle-kit generate` writes them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptySnapshot } from "../../snapshot/snapshot.ts";

const BREAK = "--> statement-breakpoint\n";

function tenantTable(name: string): string {
  const using = "(\"organization_id\" = (SELECT current_setting('app.tenant_id', true)))";
  return [
    `CREATE TABLE "${name}" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"organization_id" text NOT NULL,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL,\n\t"updated_at" timestamp with time zone DEFAULT now() NOT NULL,\n\t"title" text NOT NULL,\n\t"details" jsonb\n);\n`,
    `ALTER TABLE "${name}" ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE "${name}" ADD CONSTRAINT "${name}_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;`,
    `CREATE INDEX "${name}_organizationId_idx" ON "${name}" USING btree ("organization_id");`,
    `CREATE POLICY "${name}_select" ON "${name}" AS PERMISSIVE FOR SELECT TO "authenticated" USING ${using};`,
    `CREATE POLICY "${name}_insert" ON "${name}" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ${using};`,
    `CREATE POLICY "${name}_update" ON "${name}" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ${using} WITH CHECK ${using};`,
    `CREATE POLICY "${name}_delete" ON "${name}" AS PERMISSIVE FOR DELETE TO "authenticated" USING ${using};`,
  ].join(BREAK);
}

function alteration(table: string, n: number): string {
  return [
    `ALTER TABLE "${table}" ADD COLUMN "note_${n}" text;`,
    `ALTER TABLE "${table}" ADD COLUMN "attempt_${n}" integer DEFAULT 0 NOT NULL;`,
    `CREATE INDEX "${table}_note_${n}_idx" ON "${table}" USING btree ("note_${n}");`,
  ].join(BREAK);
}

/**
 * Writes `count` migrations and their journal into `folder`; returns the file paths in order.
 * Two in three migrations create a table, the others alter the table created just before.
 */
export function writeCorpus(folder: string, count: number): string[] {
  mkdirSync(join(folder, "meta"), { recursive: true });
  const organization = 'CREATE TABLE "organization" (\n\t"id" text PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL\n);\n';
  const entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] = [];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const tag = `${String(i).padStart(4, "0")}_corpus_${i}`;
    const table = `table_${i - (i % 3 === 2 ? 1 : 0)}`;
    const sql = i === 0 ? organization : i % 3 === 2 ? alteration(table, i) : tenantTable(table);
    const file = join(folder, `${tag}.sql`);
    writeFileSync(file, sql);
    files.push(file);
    entries.push({ idx: i, version: "7", when: 1_700_000_000_000 + i, tag, breakpoints: true });
  }
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }, null, 2),
  );
  return files;
}

/** A Drizzle Kit 0.x snapshot table of the corpus's tenant-table shape. */
function snapshotTable(name: string): Record<string, unknown> {
  const column = (columnName: string, type: string, notNull: boolean, extra: Record<string, unknown> = {}) => ({
    name: columnName,
    type,
    primaryKey: false,
    notNull,
    ...extra,
  });
  const policy = (command: string) => ({
    name: `${name}_${command.toLowerCase()}`,
    as: "PERMISSIVE",
    for: command,
    to: ["authenticated"],
    using: "\"organization_id\" = (SELECT current_setting('app.tenant_id', true))",
  });
  return {
    name,
    schema: "",
    columns: {
      id: { ...column("id", "text", true), primaryKey: true },
      organization_id: column("organization_id", "text", true),
      created_at: column("created_at", "timestamp with time zone", true, { default: "now()" }),
      updated_at: column("updated_at", "timestamp with time zone", true, { default: "now()" }),
      title: column("title", "text", true),
      details: column("details", "jsonb", false),
    },
    indexes: {
      [`${name}_organizationId_idx`]: {
        name: `${name}_organizationId_idx`,
        columns: [{ expression: "organization_id", isExpression: false, asc: true, nulls: "last" }],
        isUnique: false,
        concurrently: false,
        method: "btree",
        with: {},
      },
    },
    foreignKeys: {
      [`${name}_organization_id_organization_id_fk`]: {
        name: `${name}_organization_id_organization_id_fk`,
        tableFrom: name,
        tableTo: "organization",
        columnsFrom: ["organization_id"],
        columnsTo: ["id"],
        onDelete: "cascade",
        onUpdate: "no action",
      },
    },
    compositePrimaryKeys: {},
    uniqueConstraints: {},
    policies: Object.fromEntries(
      ["SELECT", "INSERT", "UPDATE", "DELETE"].map((c) => [`${name}_${c.toLowerCase()}`, policy(c)]),
    ),
    checkConstraints: {},
    isRLSEnabled: true,
  };
}

/**
 * Gives each of the `count` migrations of a corpus in `folder` a complete Drizzle Kit 0.x snapshot
 * of a schema of `tables` tenant tables, chained by id as `drizzle-kit generate` chains them (30
 * tables: about 100 KB each, the size of a mid-sized project's): what a review reads of a real
 * history besides its SQL. They describe the same schema throughout: they are for measuring, not
 * for the differ. Returns their paths.
 */
export function writeCorpusSnapshots(folder: string, count: number, tables = 30): string[] {
  const schema = Object.fromEntries(
    Array.from({ length: tables }, (_, i) => [`public.table_${i}`, snapshotTable(`table_${i}`)]),
  );
  const paths: string[] = [];
  let prevId = emptySnapshot().id;
  for (let i = 0; i < count; i++) {
    const id = `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
    const snapshot = { ...emptySnapshot(), id, prevId, tables: schema };
    const path = join(folder, "meta", `${String(i).padStart(4, "0")}_snapshot.json`);
    writeFileSync(path, JSON.stringify(snapshot, null, 2));
    paths.push(path);
    prevId = id;
  }
  return paths;
}
