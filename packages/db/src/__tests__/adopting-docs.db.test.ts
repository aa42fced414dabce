/**
 * docs/adopting.md is true: its `project.ts` is written out and imported as a project would, and
 * every console block marked `<!-- adopting.test: … -->` is run, command by command, in process
 * against a fresh database that Drizzle's own migrator migrated first (the page's starting
 * point), on the engine of the test project. Each documented output line must appear, in order,
 * in what the command printed (stdout, then stderr), and each command must exit as marked.
 */
import { randomUUID } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as drizzleMigratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as drizzleMigratePglite } from "drizzle-orm/pglite/migrator";
import {
  type CommandFactory,
  migrateCommand,
  type Project,
  reviewCommand,
  statusCommand,
  verifyCommand,
} from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite } from "../connection.ts";
import { createTestDatabase, createTestDataDir, testEngine } from "../testing/test-database.ts";

const DOC = fileURLToPath(new URL("../../../../docs/adopting.md", import.meta.url));
const HISTORIES = fileURLToPath(new URL("../../../migrator/fixtures/histories", import.meta.url));
/** Inside the package (git-ignored), so the written project.ts resolves @repo/migrator as a project's would. */
const SCRATCH = fileURLToPath(new URL("../../.tmp", import.meta.url));
/** The page's example history. */
const HISTORY = "Mail-0__Zero";
/** How the page writes the project folder in output. */
const APP = "/path/to/app";

const SCRIPTS: Record<string, (project: Project) => CommandFactory> = {
  "db:review": reviewCommand,
  "db:migrate": migrateCommand,
  "db:status": statusCommand,
  "db:verify": verifyCommand,
};

interface DocumentedCommand {
  script: string;
  args: string[];
  expected: string[];
}

interface DocumentedSession {
  exit: number;
  /** Another history than the page's example (a project of its own, no database). */
  history?: string;
  /** A migration to add to the history first, as `drizzle-kit generate` would. */
  newMigration?: string;
  commands: DocumentedCommand[];
}

/** The page's project.ts and its marked console sessions, in page order. */
function documented(): { projectTs: string; sessions: DocumentedSession[] } {
  const lines = readFileSync(DOC, "utf8").split("\n");
  let projectTs = "";
  const sessions: DocumentedSession[] = [];
  lines.forEach((line, index) => {
    const marker = /^<!-- adopting\.test: (.+) -->$/.exec(line)?.[1];
    if (!marker) return;
    const open = lines.findIndex((l, i) => i > index && l.startsWith("```"));
    const close = lines.findIndex((l, i) => i > open && l === "```");
    const block = lines.slice(open + 1, close);
    if (marker === "file project.ts") {
      projectTs = block.join("\n");
      return;
    }
    const session: DocumentedSession = { exit: Number(/exit (\d+)/.exec(marker)?.[1]), commands: [] };
    const history = /history (\S+)/.exec(marker)?.[1];
    const newMigration = /new migration (\S+)/.exec(marker)?.[1];
    if (history) session.history = history;
    if (newMigration) session.newMigration = newMigration;
    for (const text of block) {
      if (text.startsWith("$ pnpm ")) {
        const [script = "", ...args] = text.slice("$ pnpm ".length).split(" ");
        session.commands.push({ script, args, expected: [] });
      } else if (text.trim() !== "") session.commands.at(-1)?.expected.push(text);
    }
    sessions.push(session);
  });
  return { projectTs, sessions };
}

/** Output as the page shows it: the project folder as /path/to/app, durations as "N ms". */
function normalized(text: string, projectDir: string): string[] {
  return text
    .split(projectDir)
    .join(APP)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.replace(/\d+ ms\b/g, "N ms"));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A project folder as the page describes it: project.ts next to a copy of a history in drizzle/. */
async function projectFolder(projectTs: string, history: string): Promise<{ dir: string; project: Project }> {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, "adopting-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(HISTORIES, history), join(dir, "drizzle"), { recursive: true });
  writeFileSync(join(dir, "project.ts"), projectTs);
  const module = (await import(pathToFileURL(join(dir, "project.ts")).href)) as { project: Project };
  return { dir, project: module.project };
}

/** A fresh database that Drizzle's own migrator migrated with the folder; returns the environment that points at it. */
async function databaseMigratedByDrizzle(migrationsFolder: string): Promise<NodeJS.ProcessEnv> {
  if (testEngine() === "pglite") {
    const { dataDir, remove } = await createTestDataDir({ migrate: false });
    cleanups.push(remove);
    const pglite = await openPglite(dataDir);
    await drizzleMigratePglite(drizzlePglite(pglite) as never, { migrationsFolder });
    await pglite.close();
    return { PGLITE_DATA_DIR: dataDir };
  }
  const database = await createTestDatabase({ migrate: false });
  cleanups.push(() => database.close());
  await drizzleMigratePg(database.db as never, { migrationsFolder });
  if (database.connection.kind !== "postgres") throw new Error("expected a server database");
  return { DATABASE_URL: database.connection.url };
}

/**
 * What `drizzle-kit generate` writes for a new nullable `locale` column on mail0_user and an index
 * on it: the SQL, the journal entry and a snapshot (the previous one plus the column and index).
 */
function addGeneratedMigration(folder: string, tag: string): void {
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
    entries: { idx: number; when: number; tag: string }[];
  };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 60_000, tag });
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  const prefix = (name: string) => name.split("_")[0];
  const previous = JSON.parse(readFileSync(join(folder, "meta", `${prefix(last.tag)}_snapshot.json`), "utf8"));
  const user = previous.tables["public.mail0_user"];
  user.columns.locale = { name: "locale", type: "text", primaryKey: false, notNull: false };
  user.indexes.mail0_user_locale_idx = {
    name: "mail0_user_locale_idx",
    columns: [{ expression: "locale", isExpression: false, asc: true, nulls: "last" }],
    isUnique: false,
    concurrently: false,
    method: "btree",
    with: {},
  };
  const snapshot = { ...previous, id: randomUUID(), prevId: previous.id };
  writeFileSync(join(folder, "meta", `${prefix(tag)}_snapshot.json`), JSON.stringify(snapshot, null, 2));
  writeFileSync(
    join(folder, `${tag}.sql`),
    'ALTER TABLE "mail0_user" ADD COLUMN "locale" text;--> statement-breakpoint\nCREATE INDEX "mail0_user_locale_idx" ON "mail0_user" USING btree ("locale");',
  );
}

describe("docs/adopting.md, run on a history Drizzle applied", { timeout: 120_000 }, () => {
  const { projectTs, sessions } = documented();

  it("documents project.ts and the sessions this test runs", () => {
    expect(projectTs).toContain("export const project: Project");
    expect(sessions.map((s) => s.commands.map((c) => c.script).join(" "))).toEqual([
      "db:review",
      "db:review",
      "db:status db:migrate",
      "db:review",
      "db:review db:migrate",
    ]);
  });

  it("every documented command prints what the page shows and exits as marked", async () => {
    const main = await projectFolder(projectTs, HISTORY);
    const env = await databaseMigratedByDrizzle(main.project.migrationsFolder);
    for (const session of sessions) {
      const { dir, project } = session.history ? await projectFolder(projectTs, session.history) : main;
      if (session.newMigration) addGeneratedMigration(project.migrationsFolder, session.newMigration);
      for (const { script, args, expected } of session.commands) {
        const factory = SCRIPTS[script];
        if (!factory) throw new Error(`docs/adopting.md runs ${script}, which this test does not know`);
        const run = await runCaptured(factory(project), args, { env, cwd: dir });
        const printed = [...normalized(run.stdout, dir), ...normalized(run.stderr, dir)];
        const label = `pnpm ${script} ${args.join(" ")}`.trim();
        expect({ command: label, code: run.code }).toEqual({ command: label, code: session.exit });
        let at = 0;
        for (const line of expected.flatMap((l) => normalized(l, dir))) {
          const found = printed.indexOf(line, at);
          expect(
            found,
            `${label} printed:\n${printed.join("\n")}\n\nand not, after line ${at}:\n${line}`,
          ).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
      }
    }
  });
});
