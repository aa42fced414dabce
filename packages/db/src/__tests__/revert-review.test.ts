/**
 * What db:revert writes passes db:review as written, but for the statements that destroy data or
 * change who can read or write rows, which stay reported (where a rule reports them) until a
 * person, after a backup or db:rls, acknowledges them: every statement carries its guard (no
 * `missing-guard`, `unguarded-enum`), every drop that loses no data and changes no access carries
 * the review's acknowledgement naming the revert as its reason, every reverse of hand-written SQL
 * says it is hand-written (`manual-addition-header`), and a revert that only builds and drops
 * indexes does so CONCURRENTLY, unless an index is redefined under its name or is on a
 * partitioned table. A revert that keeps its transaction keeps the warnings of what it takes away
 * or builds again on a table in use (its locks, a `DROP NOT NULL`); what else the review reports
 * is named here, with why it stays for a person (docs/rollback-strategy.md, "Reviewing a revert").
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgPolicy,
  pgRole,
  pgSchema,
  pgSequence,
  pgTable,
  pgView,
  text,
  unique,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import {
  type Finding,
  planRevert,
  readMigrationFolder,
  readReviewConfig,
  REVERT_TODO_MARKER,
  type RevertPlan,
  type ReviewConfig,
  runReview,
  splitStatements,
  writeRevert,
} from "@repo/migrator";
import { MIGRATIONS_FOLDER, REVIEW_CONFIG_PATH } from "../project.ts";
import { runCommand } from "../testing/run-command.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";

const BREAKPOINT = "\n--> statement-breakpoint\n";
/** Every migration must be re-runnable; no tenant rules. The lock rules at the product's levels. */
const CONFIG: ReviewConfig = {
  rules: { "non-concurrent-index": "warning", "set-not-null": "warning", "constraint-not-valid": "warning" },
  guardBaseline: "0000",
};
/**
 * The warnings a revert that keeps its transaction leaves on what it takes away or puts back on a
 * table in use (docs/rollback-strategy.md, "Reviewing a revert"): the locks it takes, and a
 * `DROP NOT NULL` the running code was not written for.
 */
const KEPT_WARNINGS = new Set([
  "non-concurrent-drop-index",
  "non-concurrent-index",
  "constraint-not-valid",
  "set-not-null",
  "drop-not-null",
]);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

/**
 * A migrations folder of two migrations as drizzle-kit generate writes them: `0000_base` makes
 * `base`, `0001_change` goes from `base` to `next`, with `handWritten` statements after its
 * generated ones (the snapshots record nothing of them).
 */
async function history(base: Record<string, unknown>, next: Record<string, unknown>, handWritten: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "revert-review-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, "migrations");
  mkdirSync(join(dir, "meta"), { recursive: true });
  const empty = generateDrizzleJson({});
  const first = generateDrizzleJson(base, empty.id);
  const second = generateDrizzleJson(next, first.id);
  const files = [
    { tag: "0000_base", text: (await generateMigration(empty, first)).join(BREAKPOINT), snapshot: first },
    {
      tag: "0001_change",
      text: [...(await generateMigration(first, second)), ...handWritten].join(BREAKPOINT),
      snapshot: second,
    },
  ];
  files.forEach(({ tag, text, snapshot }, idx) => {
    writeFileSync(join(dir, `${tag}.sql`), text);
    writeFileSync(join(dir, "meta", `000${idx}_snapshot.json`), JSON.stringify(snapshot, null, 2));
  });
  const when = Date.UTC(2026, 0, 1);
  const entries = files.map(({ tag }, idx) => ({ idx, version: "7", when: when + idx * 1000, tag, breakpoints: true }));
  writeFileSync(join(dir, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  return dir;
}

interface Reviewed {
  plan: RevertPlan;
  /** The file's lines. */
  lines: string[];
  /** db:review's findings on it, as `<line> <severity> <rule>`, sorted. */
  findings: string[];
  raw: Finding[];
}

/** Writes the revert of `tag` (default: the last migration) of `dir` and reviews it. */
async function revertAndReview(dir: string, config: ReviewConfig, tag?: string): Promise<Reviewed> {
  const plan = await planRevert({ folder: dir, ...(tag ? { tag } : {}), now: () => Date.UTC(2026, 0, 2) });
  writeRevert(plan);
  const review = await runReview({ folder: dir, config, tags: [plan.migration.entry.tag] });
  return {
    plan,
    lines: readFileSync(plan.migration.sqlPath, "utf8").split("\n"),
    findings: review.findings.map((f) => `${f.line} ${f.severity} ${f.rule}`).sort(),
    raw: review.findings,
  };
}

/** The 1-based line of the file where the statement that starts with `start` is. */
function lineOf({ lines }: Reviewed, start: string): number {
  const index = lines.findIndex((line) => line.startsWith(start));
  if (index < 0) throw new Error(`no line starts with ${start}`);
  return index + 1;
}

/** `<line> <severity> <rule>` for the statement that starts with `start`. */
const at = (reviewed: Reviewed, start: string, finding: string) => `${lineOf(reviewed, start)} ${finding}`;

/** The findings of a data-loss drop: `drop-statement` at each marked DROP, until a person acknowledges it. */
const dataLossDrops = ({ plan }: Reviewed) =>
  plan.dataLoss.filter((d) => /\bDROP\b/.test(d.statement)).map((d) => `${d.line} error drop-statement`);

/** The findings of an access change: `drop-statement` at each marked DROP POLICY, until a person acknowledges it. */
const accessDrops = ({ plan }: Reviewed) =>
  plan.accessChanges.filter((a) => /^DROP POLICY\b/.test(a.statement)).map((a) => `${a.line} error drop-statement`);

/**
 * The findings no rule of this page explains: not on a statement marked data-loss or
 * access-change (a person's), not on a TODO block (`unfinished-revert`), not a warning a revert
 * that keeps its transaction leaves.
 */
function unexplained(reviewed: Reviewed): Finding[] {
  const chunks = splitStatements(reviewed.lines.join("\n"));
  const chunkAt = (line: number) => chunks.filter((c) => c.line <= line).at(-1);
  const personal = [...reviewed.plan.dataLoss, ...reviewed.plan.accessChanges];
  const lossChunks = new Set(personal.map((d) => chunkAt(d.line)));
  return reviewed.raw.filter(
    (f) =>
      !lossChunks.has(chunkAt(f.line)) &&
      !(f.rule === "unfinished-revert" && reviewed.lines[f.line - 1]?.startsWith(REVERT_TODO_MARKER)) &&
      !(f.severity === "warning" && KEPT_WARNINGS.has(f.rule) && !reviewed.plan.outsideTransaction),
  );
}

describe("db:revert of a migration that adds one of each kind", () => {
  const reader = pgRole("kinds_reader");
  const mood = pgEnum("mood", ["calm", "busy"]);
  const account = pgTable("account", {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    mood: mood("mood"),
    score: integer("score").default(0),
  });
  const project = pgTable(
    "project",
    { id: text("id").primaryKey(), accountId: text("account_id").notNull(), title: text("title") },
    (t) => [
      foreignKey({ name: "project_account_fk", columns: [t.accountId], foreignColumns: [account.id] }).onDelete(
        "cascade",
      ),
    ],
  );

  const moodMore = pgEnum("mood", ["calm", "busy", "away"]);
  const label = pgEnum("label", ["red", "green"]);
  const audit = pgSchema("audit");
  const accountMore = pgTable(
    "account",
    {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      mood: moodMore("mood"),
      score: integer("score").default(1),
      note: text("note"),
      label: label("label"),
    },
    (t) => [
      index("account_note_idx").on(t.note),
      unique("account_name_unique").on(t.name),
      check("account_score_check", sql`${t.score} >= 0`),
      pgPolicy("account_read", { for: "select", to: reader, using: sql`true` }),
    ],
  ).enableRLS();
  // The foreign key's ON DELETE changes: Drizzle Kit drops it and adds it again under its name.
  const projectMore = pgTable(
    "project",
    { id: text("id").primaryKey(), accountId: text("account_id").notNull(), title: text("title") },
    (t) => [
      foreignKey({ name: "project_account_fk", columns: [t.accountId], foreignColumns: [accountMore.id] }).onDelete(
        "restrict",
      ),
    ],
  );
  const task = pgTable("task", { id: text("id").primaryKey(), projectId: text("project_id").notNull() }, (t) => [
    foreignKey({ name: "task_project_fk", columns: [t.projectId], foreignColumns: [projectMore.id] }).onDelete(
      "cascade",
    ),
    index("task_project_idx").on(t.projectId),
  ]);
  const next = {
    reader,
    mood: moodMore,
    label,
    audit,
    account: accountMore,
    project: projectMore,
    task,
    event: audit.table("event", { id: text("id").primaryKey() }),
    ticket: pgSequence("ticket_seq"),
    names: pgView("account_names").as((qb) => qb.select({ id: accountMore.id }).from(accountMore)),
  };
  const handWritten = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
    '-- Manual addition: fuzzy search.\nCREATE INDEX IF NOT EXISTS "project_title_trgm_idx" ON "project" USING gin ("title" gin_trgm_ops);',
    '-- Manual addition: a generated column.\nALTER TABLE "project" ADD COLUMN IF NOT EXISTS "title_length" integer GENERATED ALWAYS AS (length("title")) STORED;',
    '-- Manual addition: a rule of the data.\nALTER TABLE "project" ADD CONSTRAINT "project_title_check" CHECK ("title" <> \'\');',
    '-- Manual addition: RLS on projects.\nALTER TABLE "project" ENABLE ROW LEVEL SECURITY;',
    '-- Manual addition: RLS on projects.\nALTER TABLE "project" FORCE ROW LEVEL SECURITY;',
    '-- Manual addition: projects are visible.\nCREATE POLICY "project_read" ON "project" FOR SELECT USING (true);',
    '-- Manual addition: a scratch table.\nCREATE TABLE IF NOT EXISTS "scratch" ("id" text PRIMARY KEY);',
  ];

  it("is reported only where it loses data or drops a policy, and for the lock its plain DROP INDEX and re-added key take in its transaction", async () => {
    const reviewed = await revertAndReview(await history({ mood, account, project }, next, handWritten), CONFIG);
    expect(reviewed.plan.outsideTransaction).toBe(false);
    expect(reviewed.findings).toEqual(
      [
        ...dataLossDrops(reviewed),
        ...accessDrops(reviewed),
        // The enum's loss is its columns' conversion back, where rows holding 'away' fail.
        at(
          reviewed,
          'ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE "public"."mood"',
          "error column-type-change",
        ),
        at(reviewed, 'DROP INDEX IF EXISTS "project_title_trgm_idx";', "warning non-concurrent-drop-index"),
        at(reviewed, 'DROP INDEX IF EXISTS "account_note_idx";', "warning non-concurrent-drop-index"),
        at(reviewed, '    ALTER TABLE "project" ADD CONSTRAINT "project_account_fk"', "warning constraint-not-valid"),
      ].sort(),
    );
    expect(reviewed.plan.dataLoss.map((d) => d.message)).toEqual([
      'drops table "scratch" and its rows',
      'drops column "project"."title_length" and its values',
      'drops table "task" and its rows',
      'drops table "event" and its rows',
      `enum "mood" loses 'away': converting "account"."mood" back to it fails while rows hold them; the values cannot be kept`,
      'drops column "account"."note" and its values',
      'drops column "account"."label" and its values',
      'drops sequence "ticket_seq" and its current value: made again, it starts over at values already handed out',
      'drops extension "pg_trgm" and whatever its own tables hold',
    ]);
    // What happens to the tables it drops ("task", "audit"."event") goes with them.
    expect(reviewed.plan.accessChanges.map((a) => a.message)).toEqual([
      'drops policy "project_read" on "project" (FOR SELECT TO PUBLIC): the rows only it let them reach become unreachable',
      'NO FORCE ROW LEVEL SECURITY on "project": its owner bypasses its policies again',
      'turns row-level security off on "project": its policies stop applying, every role with a privilege on it reads and writes every row',
      'turns row-level security off on "account": its policies stop applying, every role with a privilege on it reads and writes every row',
      'drops policy "account_read" on "account" (FOR SELECT TO "kinds_reader"): the rows only it let them reach become unreachable',
    ]);
  });

  it("guards every statement and acknowledges each drop that loses no data, naming the revert as the reason", async () => {
    const { plan, lines } = await revertAndReview(await history({ mood, account, project }, next, handWritten), CONFIG);
    const ack = (what: string) => `-- review-ignore drop-statement: db:revert of 0001_change: ${what} holds no data`;
    // Each statement with the comment line right above it, where the revert writes one.
    const above = (statement: string) => lines[lines.indexOf(statement) - 1];
    expect(above('DROP INDEX IF EXISTS "account_note_idx";--> statement-breakpoint')).toBe(
      ack('index "account_note_idx"'),
    );
    // A policy dropped changes who reads what: marked for a person, who runs db:rls, never acknowledged.
    expect(above('DROP POLICY IF EXISTS "account_read" ON "account" CASCADE;--> statement-breakpoint')).toBe(
      '-- db:revert access-change: drops policy "account_read" on "account" (FOR SELECT TO "kinds_reader"): the rows only it let them reach become unreachable',
    );
    expect(lines.filter((line) => /^-- review-ignore drop-statement: .*policy/.test(line))).toEqual([]);
    expect(
      above('ALTER TABLE "account" DROP CONSTRAINT IF EXISTS "account_name_unique";--> statement-breakpoint'),
    ).toBe(ack('constraint "account_name_unique" on "account"'));
    expect(above('DROP TYPE IF EXISTS "public"."label";--> statement-breakpoint')).toBe(ack('type "public"."label"'));
    expect(above('DROP VIEW IF EXISTS "public"."account_names";--> statement-breakpoint')).toBe(
      ack('view "public"."account_names"'),
    );
    expect(above('DROP SCHEMA IF EXISTS "audit";')).toBe(ack('schema "audit"'));
    expect(
      above('ALTER TABLE "project" DROP CONSTRAINT IF EXISTS "project_title_check";--> statement-breakpoint'),
    ).toBe(ack('constraint "project_title_check" on "project"'));
    expect(above('ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE text;--> statement-breakpoint')).toBe(
      '-- review-ignore column-type-change: db:revert of 0001_change: "account"."mood" goes through text while enum "mood" is made again',
    );
    // The foreign key dropped and added back is replaced, not gone: the review has nothing to acknowledge.
    expect(above('ALTER TABLE "project" DROP CONSTRAINT IF EXISTS "project_account_fk";')).not.toMatch(/review-ignore/);
    // A data-loss statement keeps its marker and no acknowledgement: that is a person's.
    expect(above('DROP SEQUENCE IF EXISTS "public"."ticket_seq";--> statement-breakpoint')).toMatch(
      /^-- db:revert data-loss: drops sequence "ticket_seq"/,
    );
    expect(plan.statements.map((s) => s.sql.split("\n")[0])).toEqual([
      'DROP TABLE IF EXISTS "scratch";',
      'DROP POLICY IF EXISTS "project_read" ON "project";',
      'ALTER TABLE "project" NO FORCE ROW LEVEL SECURITY;',
      'ALTER TABLE "project" DISABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "project" DROP CONSTRAINT IF EXISTS "project_title_check";',
      'ALTER TABLE "project" DROP COLUMN IF EXISTS "title_length";',
      'DROP INDEX IF EXISTS "project_title_trgm_idx";',
      'ALTER TABLE "account" DISABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "task" DISABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "audit"."event" DISABLE ROW LEVEL SECURITY;',
      'DROP VIEW IF EXISTS "public"."account_names";',
      'DROP TABLE IF EXISTS "task" CASCADE;',
      'DROP TABLE IF EXISTS "audit"."event" CASCADE;',
      'ALTER TABLE "account" DROP CONSTRAINT IF EXISTS "account_name_unique";',
      'ALTER TABLE "account" DROP CONSTRAINT IF EXISTS "account_score_check";',
      'ALTER TABLE "project" DROP CONSTRAINT IF EXISTS "project_account_fk";',
      'ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE text;',
      'DROP TYPE IF EXISTS "public"."mood";',
      "DO $$ BEGIN",
      'ALTER TABLE "account" ALTER COLUMN "mood" SET DATA TYPE "public"."mood" USING "mood"::"public"."mood";',
      'DROP INDEX IF EXISTS "account_note_idx";',
      'ALTER TABLE "account" ALTER COLUMN "score" SET DEFAULT 0;',
      "DO $$ BEGIN",
      'ALTER TABLE "account" DROP COLUMN IF EXISTS "note";',
      'ALTER TABLE "account" DROP COLUMN IF EXISTS "label";',
      'DROP POLICY IF EXISTS "account_read" ON "account" CASCADE;',
      'DROP TYPE IF EXISTS "public"."label";',
      'DROP SEQUENCE IF EXISTS "public"."ticket_seq";',
      'DROP SCHEMA IF EXISTS "audit";',
      'DROP EXTENSION IF EXISTS "pg_trgm";',
      'DROP ROLE IF EXISTS "kinds_reader";',
    ]);
  });
});

describe("db:revert of a migration that removes one of each kind", () => {
  it("puts each back guarded; reported are the locks of its transaction and a unique key's index build", async () => {
    const reader = pgRole("kinds_reader");
    const mood = pgEnum("mood", ["calm", "busy"]);
    const label = pgEnum("label", ["red", "green"]);
    const audit = pgSchema("audit");
    const account = pgTable(
      "account",
      {
        id: text("id").primaryKey(),
        name: text("name").notNull(),
        mood: mood("mood"),
        score: integer("score").default(0),
        note: text("note"),
        label: label("label"),
        title: text("title").notNull(),
      },
      (t) => [
        index("account_note_idx").on(t.note),
        unique("account_name_unique").on(t.name),
        check("account_score_check", sql`${t.score} >= 0`),
        pgPolicy("account_read", { for: "select", to: reader, using: sql`true` }),
      ],
    ).enableRLS();
    const project = pgTable(
      "project",
      { id: text("id").primaryKey(), accountId: text("account_id").notNull() },
      (t) => [
        foreignKey({ name: "project_account_fk", columns: [t.accountId], foreignColumns: [account.id] }).onDelete(
          "cascade",
        ),
      ],
    );
    const task = pgTable("task", { id: text("id").primaryKey(), projectId: text("project_id").notNull() }, (t) => [
      foreignKey({ name: "task_project_fk", columns: [t.projectId], foreignColumns: [project.id] }).onDelete("cascade"),
      index("task_project_idx").on(t.projectId),
    ]);
    const base = {
      reader,
      mood,
      label,
      audit,
      account,
      project,
      task,
      event: audit.table("event", { id: text("id").primaryKey() }),
      ticket: pgSequence("ticket_seq"),
      names: pgView("account_names").as((qb) => qb.select({ id: account.id }).from(account)),
    };
    const next = {
      mood,
      account: pgTable("account", {
        id: text("id").primaryKey(),
        name: text("name").notNull(),
        mood: mood("mood"),
        score: integer("score"),
        title: text("title"),
      }),
      project: pgTable("project", { id: text("id").primaryKey(), accountId: text("account_id").notNull() }),
    };
    const reviewed = await revertAndReview(await history(base, next), CONFIG);
    expect(reviewed.findings).toEqual(
      [
        at(reviewed, 'ALTER TABLE "account" ALTER COLUMN "title" SET NOT NULL;', "warning set-not-null"),
        at(reviewed, '    ALTER TABLE "project" ADD CONSTRAINT "project_account_fk"', "warning constraint-not-valid"),
        at(reviewed, 'CREATE INDEX IF NOT EXISTS "account_note_idx"', "warning non-concurrent-index"),
        // A unique key put back on a table in use builds its index under ACCESS EXCLUSIVE: a person decides.
        at(
          reviewed,
          '    ALTER TABLE "account" ADD CONSTRAINT "account_name_unique"',
          "error unique-constraint-builds-index",
        ),
        at(reviewed, '    ALTER TABLE "account" ADD CONSTRAINT "account_score_check"', "warning constraint-not-valid"),
      ].sort(),
    );
    expect(reviewed.plan.dataLoss.map((d) => d.message)).toEqual([
      're-creates table "task" empty: the rows it had are not restored (copy them back from a backup)',
      're-creates table "event" empty: the rows it had are not restored (copy them back from a backup)',
      're-adds column "account"."note" empty: its old values are not restored (copy them back from a backup)',
      're-adds column "account"."label" empty: its old values are not restored (copy them back from a backup)',
    ]);
    expect(reviewed.plan.statements.map((s) => s.sql.split("\n").slice(0, 2).join(" "))).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "audit"; ',
      `DO $$ BEGIN   CREATE TYPE "public"."label" AS ENUM('red', 'green');`,
      'CREATE SEQUENCE IF NOT EXISTS "public"."ticket_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;',
      'DO $$ BEGIN   CREATE ROLE "kinds_reader";',
      'CREATE TABLE IF NOT EXISTS "task" ( \t"id" text PRIMARY KEY NOT NULL,',
      'CREATE TABLE IF NOT EXISTS "audit"."event" ( \t"id" text PRIMARY KEY NOT NULL',
      'ALTER TABLE "account" ENABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "account" ALTER COLUMN "score" SET DEFAULT 0;',
      'ALTER TABLE "account" ALTER COLUMN "title" SET NOT NULL;',
      'ALTER TABLE "account" ADD COLUMN IF NOT EXISTS "note" text;',
      'ALTER TABLE "account" ADD COLUMN IF NOT EXISTS "label" "label";',
      `DO $$ BEGIN   IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '"task"'::regclass AND conname = 'task_project_fk') THEN`,
      'CREATE INDEX IF NOT EXISTS "task_project_idx" ON "task" USING btree ("project_id");',
      `DO $$ BEGIN   IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '"project"'::regclass AND conname = 'project_account_fk') THEN`,
      'CREATE INDEX IF NOT EXISTS "account_note_idx" ON "account" USING btree ("note");',
      `DO $$ BEGIN   IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '"account"'::regclass AND conname = 'account_name_unique') THEN`,
      `DO $$ BEGIN   IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '"account"'::regclass AND conname = 'account_score_check') THEN`,
      // A view is wrapped, not made OR REPLACE: the review would not recognise Drizzle Kit's statement in it.
      'DO $$ BEGIN   CREATE VIEW "public"."account_names" AS (select "id" from "account");',
      `DO $$ BEGIN   IF NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = '"account"'::regclass AND p.polname = 'account_read') THEN`,
    ]);
  });
});

describe("db:revert of a change of who can read or write rows", () => {
  const reader = pgRole("guard_reader");
  const open = { reader, account: pgTable("account", { id: text("id").primaryKey() }).enableRLS() };
  const guarded = {
    reader,
    account: pgTable("account", { id: text("id").primaryKey() }, () => [
      pgPolicy("account_read", { for: "select", to: reader, using: sql`true` }),
      pgPolicy("account_guard", { as: "restrictive", for: "select", to: reader, using: sql`"id" <> 'hidden'` }),
    ]),
  };

  it("leaves a RESTRICTIVE policy's drop to a person: marked, listed, never acknowledged, so db:review reports it", async () => {
    const reviewed = await revertAndReview(await history(open, guarded), CONFIG);
    expect(reviewed.plan.accessChanges.map((a) => a.message)).toEqual([
      'drops policy "account_read" on "account" (FOR SELECT TO "guard_reader"): the rows only it let them reach become unreachable',
      'drops RESTRICTIVE policy "account_guard" on "account" (FOR SELECT TO "guard_reader"): the rows it kept from them become reachable',
    ]);
    expect(reviewed.findings).toEqual(accessDrops(reviewed).sort());
    expect(reviewed.findings).toHaveLength(2);
    expect(reviewed.lines.filter((line) => line.startsWith("-- review-ignore"))).toEqual([]);
    const marker = reviewed.lines.indexOf(
      '-- db:revert access-change: drops RESTRICTIVE policy "account_guard" on "account" (FOR SELECT TO "guard_reader"): the rows it kept from them become reachable',
    );
    expect(reviewed.lines[marker + 1]).toBe('DROP POLICY IF EXISTS "account_guard" ON "account" CASCADE;');
  });

  it("marks the policies it puts back as access changes too: the review has nothing to report on them", async () => {
    const reviewed = await revertAndReview(await history(guarded, open), CONFIG);
    expect(reviewed.plan.accessChanges.map((a) => a.message)).toEqual([
      'creates policy "account_read" on "account" (FOR SELECT TO "guard_reader"): they reach the rows it lets through',
      'creates RESTRICTIVE policy "account_guard" on "account" (FOR SELECT TO "guard_reader"): the rows it keeps out become unreachable to them',
    ]);
    expect(reviewed.findings).toEqual([]);
  });
});

describe("db:revert of a migration that makes a column NOT NULL", () => {
  it("drops NOT NULL again, which db:review warns of: the running code was written for a column without NULLs", async () => {
    const optional = { account: pgTable("account", { id: text("id").primaryKey(), title: text("title") }) };
    const required = { account: pgTable("account", { id: text("id").primaryKey(), title: text("title").notNull() }) };
    const reviewed = await revertAndReview(await history(optional, required), CONFIG);
    expect(reviewed.plan.statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "account" ALTER COLUMN "title" DROP NOT NULL;',
    ]);
    expect(reviewed.findings).toEqual([
      at(reviewed, 'ALTER TABLE "account" ALTER COLUMN "title" DROP NOT NULL;', "warning drop-not-null"),
    ]);
    expect(unexplained(reviewed)).toEqual([]);
  });
});

describe("db:revert of an identity column", () => {
  const plain = { ticket: pgTable("ticket", { id: integer("id").primaryKey(), note: text("note") }) };
  const identity = {
    ticket: pgTable("ticket", { id: integer("id").primaryKey().generatedAlwaysAsIdentity(), note: text("note") }),
  };

  it("drops an identity only if it is there, marked as the loss of its sequence's value", async () => {
    const reviewed = await revertAndReview(await history(plain, identity), CONFIG);
    expect(reviewed.plan.statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "ticket" ALTER COLUMN "id" DROP IDENTITY IF EXISTS;',
    ]);
    expect(reviewed.plan.dataLoss.map((d) => d.message)).toEqual([
      `drops the identity of "ticket"."id" with its sequence and the sequence's current value: the column keeps its values, inserts must then give one`,
    ]);
    expect(reviewed.findings).toEqual([]);
  });

  it("puts an identity back guarded, past the ids the column holds: nothing is reported", async () => {
    const reviewed = await revertAndReview(await history(identity, plain), CONFIG);
    expect(reviewed.plan.statements.map((s) => s.sql.split("\n").slice(0, 3).join("\n"))).toEqual([
      [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = '"ticket"'::regclass AND attname = 'id' AND attidentity <> '') THEN`,
        '    ALTER TABLE "ticket" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (sequence name "ticket_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1);',
      ].join("\n"),
    ]);
    expect(reviewed.plan.dataLoss).toEqual([]);
    expect(reviewed.findings).toEqual([]);
  });
});

describe("db:revert of index work on a partitioned table or a partition", () => {
  const ledger = (indexed: boolean) =>
    pgTable("ledger", { id: integer("id").notNull(), at: date("at").notNull() }, (t) =>
      indexed ? [index("ledger_at_idx").on(t.at)] : [],
    );
  const ledger2026 = (indexed: boolean) =>
    pgTable("ledger_2026", { id: integer("id").notNull(), at: date("at").notNull() }, (t) =>
      indexed ? [index("ledger_2026_id_idx").on(t.id)] : [],
    );
  /** The history with its first migration's tables made by hand: "ledger" partitioned, "ledger_2026" its partition. */
  async function partitioned(base: Record<string, unknown>, next: Record<string, unknown>, indexed = false) {
    const dir = await history(base, next);
    writeFileSync(
      join(dir, "0000_base.sql"),
      [
        'CREATE TABLE "ledger" ("id" integer NOT NULL, "at" date NOT NULL) PARTITION BY RANGE ("at");',
        `CREATE TABLE "ledger_2026" PARTITION OF "ledger" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`,
        ...(indexed ? ['CREATE INDEX "ledger_at_idx" ON "ledger" USING btree ("at");'] : []),
      ].join(BREAKPOINT),
    );
    return dir;
  }

  it("builds a partitioned table's index again in its transaction: PostgreSQL cannot build it CONCURRENTLY", async () => {
    const dir = await partitioned(
      { ledger: ledger(true), ledger2026: ledger2026(false) },
      { ledger: ledger(false), ledger2026: ledger2026(false) },
      true,
    );
    const { plan } = await revertAndReview(dir, CONFIG);
    expect(plan.outsideTransaction).toBe(false);
    expect(plan.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX IF NOT EXISTS "ledger_at_idx" ON "ledger" USING btree ("at");',
    ]);
    expect(plan.statements[0]?.comments).toEqual([
      `-- db:revert: not CONCURRENTLY, in the revert's transaction: index "ledger_at_idx" is on "ledger", a partitioned table or a partition: PostgreSQL cannot drop or build a partitioned table's index CONCURRENTLY, and a partition's may be attached to it.`,
    ]);
  });

  it("drops a partition's index in its transaction too", async () => {
    const dir = await partitioned(
      { ledger: ledger(false), ledger2026: ledger2026(false) },
      { ledger: ledger(false), ledger2026: ledger2026(true) },
    );
    const { plan } = await revertAndReview(dir, CONFIG);
    expect(plan.outsideTransaction).toBe(false);
    expect(plan.statements.map((s) => s.sql)).toEqual(['DROP INDEX IF EXISTS "ledger_2026_id_idx";']);
  });
});

describe("db:revert of a migration that redefines a unique index under its name", () => {
  const gadget = (columns: "note" | "note and id") =>
    pgTable("gadget", { id: integer("id").primaryKey(), note: text("note") }, (t) => [
      columns === "note" ? uniqueIndex("gadget_note_key").on(t.note) : uniqueIndex("gadget_note_key").on(t.note, t.id),
    ]);

  it("keeps its transaction: dropped and built again plainly, so the table is never without the index", async () => {
    const reviewed = await revertAndReview(
      await history({ gadget: gadget("note") }, { gadget: gadget("note and id") }),
      CONFIG,
    );
    expect(reviewed.plan.outsideTransaction).toBe(false);
    expect(reviewed.plan.statements.map((s) => s.sql)).toEqual([
      'DROP INDEX IF EXISTS "gadget_note_key";',
      'CREATE UNIQUE INDEX IF NOT EXISTS "gadget_note_key" ON "gadget" USING btree ("note");',
    ]);
    expect(unexplained(reviewed)).toEqual([]);
  });
});

describe("db:revert of a migration that only adds or drops an index", () => {
  const plain = { account: pgTable("account", { id: text("id").primaryKey(), note: text("note") }) };
  const indexed = {
    account: pgTable("account", { id: text("id").primaryKey(), note: text("note") }, (t) => [
      index("account_note_idx").on(t.note),
    ]),
  };

  it("drops the index CONCURRENTLY outside a transaction, acknowledged: nothing is reported", async () => {
    const reviewed = await revertAndReview(await history(plain, indexed), CONFIG);
    expect(reviewed.findings).toEqual([]);
    expect(reviewed.plan.outsideTransactionReason).toBe("indexes-only");
    expect(reviewed.lines.slice(0, 1).concat(reviewed.lines.slice(-3))).toEqual([
      "-- migrator:no-transaction",
      "-- db:revert: the revert only builds and drops indexes, so it does that CONCURRENTLY, outside a transaction: the table's queries go on.",
      '-- review-ignore drop-statement: db:revert of 0001_change: index "account_note_idx" holds no data',
      'DROP INDEX CONCURRENTLY IF EXISTS "account_note_idx";',
    ]);
  });

  it("builds a dropped index again CONCURRENTLY outside a transaction: nothing is reported", async () => {
    const reviewed = await revertAndReview(await history(indexed, plain), CONFIG);
    expect(reviewed.findings).toEqual([]);
    expect(reviewed.plan.outsideTransactionReason).toBe("indexes-only");
    expect(reviewed.lines.at(-1)).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "account_note_idx" ON "account" USING btree ("note");',
    );
  });
});

describe("db:revert of each of Trovella's migrations it accepts, reviewed with the product's configuration", () => {
  const config = readReviewConfig(REVIEW_CONFIG_PATH);
  const tags = readMigrationFolder(MIGRATIONS_FOLDER).migrations.map((m) => m.tag);

  /** A scratch copy of the history (cut after `upTo`), removed after the test. */
  function scratch(upTo?: number): ScratchMigrations {
    const s = scratchMigrations(upTo);
    cleanups.push(() => s.remove());
    return s;
  }

  /**
   * What the review reports beyond data loss, access changes, TODO blocks and kept warnings. Reverting 0015 puts
   * back the foreign keys 0015 replaced because they leave the tenant out of their key (and one has
   * ON DELETE no action): putting them back is a person's decision, so the review keeps saying so.
   */
  const beyond = (tag: string, reviewed: Reviewed) =>
    unexplained(reviewed).filter(
      (f) =>
        !(
          tag.startsWith("0015_") &&
          ["cross-tenant-foreign-key", "fk-on-delete"].includes(f.rule) &&
          reviewed.lines[f.line - 1]?.includes("ADD CONSTRAINT")
        ),
    );

  it.each(tags.slice(1).map((tag, i) => [tag, i + 1] as const))(
    "%s, as the last migration: only data loss, access changes, TODO blocks and the warnings of its transaction are reported",
    async (tag, idx) => {
      const reviewed = await revertAndReview(scratch(idx).dir, config);
      expect(beyond(tag, reviewed)).toEqual([]);
      for (const drop of dataLossDrops(reviewed)) expect(reviewed.findings).toContain(drop);
      expect(reviewed.raw.map((f) => f.rule)).not.toContain("missing-guard");
    },
  );

  it("0010 on the whole history leaves turning row-level security off and dropping the policies of user and organization to a person", async () => {
    const reviewed = await revertAndReview(scratch().dir, config, "0010");
    expect(reviewed.plan.accessChanges.map((a) => `${reviewed.lines[a.line - 1]}  ${a.message}`)).toEqual([
      'ALTER TABLE "organization" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint  turns row-level security off on "organization": its policies stop applying, every role with a privilege on it reads and writes every row',
      'ALTER TABLE "user" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint  turns row-level security off on "user": its policies stop applying, every role with a privilege on it reads and writes every row',
      'DROP POLICY IF EXISTS "organization_select" ON "organization" CASCADE;--> statement-breakpoint  drops policy "organization_select" on "organization" (FOR SELECT TO "authenticated"): the rows only it let them reach become unreachable',
      'DROP POLICY IF EXISTS "user_select" ON "user" CASCADE;  drops policy "user_select" on "user" (FOR SELECT TO "authenticated"): the rows only it let them reach become unreachable',
    ]);
    // Neither is a tenant table: the review reports the policies' drops, and nothing of RLS turned off.
    expect(reviewed.findings).toEqual(accessDrops(reviewed).sort());
    expect(reviewed.findings).toHaveLength(2);
    expect(reviewed.lines.filter((line) => line.startsWith("-- review-ignore"))).toEqual([]);
  });

  it("0010's access changes are on the command's screen, with what to run before deploying, and in its JSON", async () => {
    const s = scratch();
    const shown = await runCommand("revert", ["0010", "--migrations", s.dir, "--dry-run"], {});
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'ACCESS CHANGES: 4 statement(s) change who can read or write rows, each marked "-- db:revert access-change:" in the file:',
    );
    expect(shown.stdout).toContain("run db:rls there: it must pass");
    const json = await runCommand("revert", ["0010", "--migrations", s.dir, "--dry-run", "--json"], {});
    const plan = JSON.parse(json.stdout) as { accessChanges: { line: number; message: string; statement: string }[] };
    expect(plan.accessChanges.map((a) => a.statement)).toEqual([
      'ALTER TABLE "organization" DISABLE ROW LEVEL SECURITY;',
      'ALTER TABLE "user" DISABLE ROW LEVEL SECURITY;',
      'DROP POLICY IF EXISTS "organization_select" ON "organization" CASCADE;',
      'DROP POLICY IF EXISTS "user_select" ON "user" CASCADE;',
    ]);
  });

  it("0008 on the whole history passes once a person acknowledges its two column drops, but for the warning of its DROP INDEX", async () => {
    const s = scratch();
    const reviewed = await revertAndReview(s.dir, config, "0008");
    expect(reviewed.findings).toEqual(
      [
        `${lineOf(reviewed, 'DROP INDEX IF EXISTS "ai_usage_correlationId_idx";')} warning non-concurrent-drop-index`,
        ...dataLossDrops(reviewed),
      ].sort(),
    );
    const acknowledged = reviewed.lines.flatMap((line) =>
      line.startsWith("-- db:revert data-loss: drops column")
        ? [line, "-- review-ignore drop-statement: the values are copied out to ai_usage.csv"]
        : [line],
    );
    writeFileSync(reviewed.plan.migration.sqlPath, acknowledged.join("\n"));
    const review = await runReview({ folder: s.dir, config, tags: [reviewed.plan.migration.entry.tag] });
    expect(review.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(["warning non-concurrent-drop-index"]);
  });

  it.each(tags.slice(1))("%s, on the whole history when db:revert accepts it: the same", async (tag) => {
    const s = scratch();
    const accepted = await planRevert({ folder: s.dir, tag }).then(
      () => true,
      (error: { code?: string }) => {
        expect(error.code).toBe("later-migration-conflict");
        return false;
      },
    );
    if (!accepted) return;
    const reviewed = await revertAndReview(s.dir, config, tag);
    expect(beyond(tag, reviewed)).toEqual([]);
    for (const drop of dataLossDrops(reviewed)) expect(reviewed.findings).toContain(drop);
  });
});
