/**
 * `db:upgrade-layout` on copies of Trovella's history (never on the committed folder), with the
 * pinned Drizzle Kit 1.0 installed in the copy's project or given with `--drizzle-kit`: it converts
 * as `drizzle-kit up` does, in UTC whatever the machine's zone, refuses without a Drizzle Kit 1.0,
 * and puts the folder back byte for byte when `drizzle-kit up` or a check fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type Project, readMigrationFolder, upgradeLayoutCommand } from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { MIGRATIONS_FOLDER } from "@repo/db/testing";
import { folderManifest } from "../../migrator/src/upgrade/folder-backup.ts";
import {
  addJournalMigration,
  DRIZZLE_KIT_1,
  legacyAndUpgraded,
  projectWith,
  type TempProject,
} from "./upgraded-history.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** How many migrations Trovella's history has: the fixtures come after them. */
const COMMITTED = readMigrationFolder(MIGRATIONS_FOLDER).migrations.length;

function project(): TempProject {
  const p = projectWith(MIGRATIONS_FOLDER);
  cleanups.push(p.remove);
  return p;
}

const toolkitProject = (migrationsFolder: string): Project => ({
  migrationsFolder,
  openDriver: () => Promise.reject(new Error("no database in this test")),
});

/**
 * A Drizzle Kit 1.0 in `p` (`<name>-kit/`, version 1.0.0-<name>) whose bin runs the pinned one's
 * command (its result in `run`), then `after`: what a test needs it to do besides.
 */
function wrappingKit(p: TempProject, name: string, after: string): string {
  const kit = join(p.root, `${name}-kit`);
  mkdirSync(kit);
  writeFileSync(join(kit, "package.json"), JSON.stringify({ name: "drizzle-kit", version: `1.0.0-${name}` }));
  writeFileSync(
    join(kit, "bin.cjs"),
    `const run = require("node:child_process").spawnSync(process.execPath, [${JSON.stringify(DRIZZLE_KIT_1)}, ...process.argv.slice(2)], { stdio: "inherit" });
     ${after}`,
  );
  return kit;
}

function upgrade(folder: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return runCaptured(upgradeLayoutCommand(toolkitProject(folder)), ["--migrations", folder, ...args], {
    env,
    cwd: dirname(folder),
  });
}

describe("db:upgrade-layout converts and checks", () => {
  it("converts a copy of the history exactly as drizzle-kit up does, and says what it checked", async () => {
    const p = project();
    const run = await upgrade(p.migrations, ["--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { checks: string[]; migrations: { tag: string; name: string }[] };
    const legacy = readMigrationFolder(MIGRATIONS_FOLDER).migrations;
    expect(report.migrations).toEqual(legacy.map((m) => ({ tag: m.tag, name: m.name })));
    expect(report.checks).toHaveLength(3);
    const reference = legacyAndUpgraded(MIGRATIONS_FOLDER);
    cleanups.push(reference.remove);
    expect(folderManifest(p.migrations)).toEqual(folderManifest(reference.upgraded.migrations));

    const again = await upgrade(p.migrations);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `is in Drizzle Kit 1.0's layout already (${legacy.length} migrations): nothing to do.`,
    );
  });

  it("prints the folder's untidiness as warnings, as every command that reads it does", async () => {
    const p = project();
    writeFileSync(join(p.migrations, "0099_stray.sql"), "SELECT 1;\n");
    const run = await upgrade(p.migrations);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*0099_stray\.sql/m);
  });

  it("names folders in UTC on a machine in Tokyo, where Drizzle Kit 1.0 alone would put New Year's Eve in the next year", async () => {
    const p = project();
    const when = Date.UTC(2026, 11, 31, 23, 30, 0, 250);
    addJournalMigration(p.migrations, "nye", when, "SELECT 1;");
    const run = await upgrade(p.migrations, [], { ...process.env, TZ: "Asia/Tokyo" });
    // Until the day before, that when is ahead of this machine's clock, which the reader says, and nothing else.
    const ahead = when - Date.now() > 24 * 60 * 60 * 1000;
    const warnings = run.stderr.split("\n").filter((line) => line !== "");
    expect(warnings).toEqual(
      ahead
        ? [expect.stringMatching(/journal entry "0018_nye" has when .* more than a day after this machine's clock/)]
        : [],
    );
    expect(run.code).toBe(0);
    expect(readdirSync(p.migrations).at(-1)).toBe("20261231233000_nye");
  });

  it("takes the Drizzle Kit given with --drizzle-kit, in a project that has none", async () => {
    const p = project();
    rmSync(join(p.root, "node_modules"), { recursive: true });
    const refused = await upgrade(p.migrations);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: no drizzle-kit is installed for ${p.migrations}`);
    const run = await upgrade(p.migrations, ["--drizzle-kit", DRIZZLE_KIT_1]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("with drizzle-kit 1.0.0-rc.5-5935859 up (TZ=UTC)");
  });
});

describe("db:upgrade-layout leaves the folder as it was", () => {
  it("refuses in this repository: pnpm db:upgrade-layout (@repo/db has Drizzle Kit 0.31) exits 2 and leaves the folder", () => {
    const before = folderManifest(MIGRATIONS_FOLDER);
    // What `pnpm db:upgrade-layout` runs: the package's script, from the package folder.
    const run = spawnSync("node_modules/.bin/run-built", ["src/upgrade-layout.ts"], {
      cwd: fileURLToPath(new URL("../../db", import.meta.url)),
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^error: db:upgrade-layout runs Drizzle Kit 1\.0's drizzle-kit up, but the project of \S+\/packages\/db\/src\/migrations has drizzle-kit 0\.31\.\d+ .*the folder is unchanged\n/,
    );
    expect(run.stderr).toContain("fix: upgrade drizzle-kit and drizzle-orm to the same 1.0 build");
    expect(folderManifest(MIGRATIONS_FOLDER)).toEqual(before);
  });

  it("refuses a --drizzle-kit that is not 1.0, or not Drizzle Kit at all", async () => {
    const p = project();
    const before = folderManifest(p.migrations);
    const toolkits = dirname(dirname(DRIZZLE_KIT_1));
    const old = await upgrade(p.migrations, [
      "--drizzle-kit",
      join(toolkits, "..", "..", "migrator", "node_modules", "drizzle-kit"),
    ]);
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/has drizzle-kit 0\.31\.\d+/);
    const notKit = await upgrade(p.migrations, ["--drizzle-kit", tmpdir()]);
    expect(notKit.code).toBe(2);
    expect(notKit.stderr).toContain(`${tmpdir()} is not in a drizzle-kit package`);
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("puts the folder back when the conversion changes the order: two migrations of one second, named against it", async () => {
    const p = project();
    const second = Date.UTC(2027, 0, 5, 10, 0, 0);
    addJournalMigration(p.migrations, "zeta", second + 100, "SELECT 'zeta';");
    addJournalMigration(p.migrations, "alpha", second + 900, "SELECT 'alpha';");
    const before = folderManifest(p.migrations);
    const run = await upgrade(p.migrations, ["--json"]);
    expect(run.code).toBe(1);
    const error = (JSON.parse(run.stdout) as { error: { code: string; failures: string[]; restored: boolean } }).error;
    expect(error.code).toBe("layout-check-failed");
    expect(error.restored).toBe(true);
    expect(error.failures[0]).toBe(
      `the migrations are not the history's, in its order, under the names drizzle-orm 1.0 records: #${COMMITTED + 1} should be 20270105100000_zeta, is 20270105100000_alpha, #${COMMITTED + 2} should be 20270105100000_alpha, is 20270105100000_zeta`,
    );
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("names the first ten migrations out of place and how many more, when a long run of one second converts in another order", async () => {
    const p = project();
    const second = Date.UTC(2027, 0, 5, 10, 0, 0);
    // In the journal's order z, y, x, …; one second's folders sort by name: a, b, c, …
    const names = "zyxwvutsrqponm".split("");
    names.forEach((name, i) => addJournalMigration(p.migrations, name, second + i, `SELECT '${name}';`));
    const run = await upgrade(p.migrations, ["--json"]);
    expect(run.code).toBe(1);
    const error = (JSON.parse(run.stdout) as { error: { failures: string[]; restored: boolean } }).error;
    expect(error.restored).toBe(true);
    expect(error.failures[0]).toMatch(
      new RegExp(
        `^the migrations are not the history's.*: #${COMMITTED + 1} should be 20270105100000_z, is 20270105100000_m, `,
      ),
    );
    expect(error.failures[0]?.match(/ should be /g)).toHaveLength(10);
    expect(error.failures[0]).toMatch(/, … and 4 more$/);
  });

  it("puts the folder back when drizzle-kit up fails half-way (two migrations of one second with one name)", async () => {
    const p = project();
    const second = Date.UTC(2027, 0, 5, 10, 0, 0);
    addJournalMigration(p.migrations, "twin", second + 100, "SELECT 1;");
    addJournalMigration(p.migrations, "twin", second + 900, "SELECT 2;");
    const before = folderManifest(p.migrations);
    const run = await upgrade(p.migrations);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: the conversion of .* failed its checks \(1\): drizzle-kit up exited with 1: .*EEXIST/,
    );
    expect(run.stderr).toContain("the folder is back exactly as it was");
    expect(folderManifest(p.migrations)).toEqual(before);
    expect(readMigrationFolder(p.migrations).layout).toBe("journal");
  });

  it("puts the folder back when Drizzle Kit writes a snapshot of another id, or two migrations share one snapshot id", async () => {
    // A Drizzle Kit that runs the pinned one's up, then gives the third converted snapshot another id.
    const p = project();
    const kit = wrappingKit(
      p,
      "tampering",
      `const { readdirSync, readFileSync, writeFileSync } = require("node:fs");
       if (run.status !== 0) process.exit(run.status ?? 1);
       const out = process.argv[process.argv.indexOf("--out") + 1];
       const third = readdirSync(out).filter((name) => /^[0-9]{14}_/.test(name)).sort()[2];
       const file = out + "/" + third + "/snapshot.json";
       const snapshot = JSON.parse(readFileSync(file, "utf8"));
       snapshot.id = "00000000-0000-4000-8000-000000000000";
       writeFileSync(file, JSON.stringify(snapshot, null, 2));`,
    );
    const before = folderManifest(p.migrations);
    const tampered = await upgrade(p.migrations, ["--drizzle-kit", kit]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(
      /meta\/0002_snapshot\.json: converted with id 00000000-0000-4000-8000-000000000000, but its id is [0-9a-f-]{36}/,
    );
    expect(tampered.stderr).toContain("the folder is back exactly as it was");
    expect(folderManifest(p.migrations)).toEqual(before);

    // Two journal entries of one prefix share meta/NNNN_snapshot.json: the converted chain forks.
    const q = project();
    addJournalMigration(q.migrations, "alpha", Date.UTC(2027, 0, 5, 10), "SELECT 1;");
    addJournalMigration(q.migrations, "beta", Date.UTC(2027, 0, 5, 11), "SELECT 2;");
    const journalPath = join(q.migrations, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
    const [alpha, beta] = journal.entries.slice(-2);
    if (!alpha || !beta) throw new Error("no entries added");
    const betaTag = beta.tag;
    beta.tag = `${alpha.tag.slice(0, 4)}_beta`;
    renameSync(join(q.migrations, `${betaTag}.sql`), join(q.migrations, `${beta.tag}.sql`));
    rmSync(join(q.migrations, "meta", `${betaTag.slice(0, 4)}_snapshot.json`), { force: true });
    writeFileSync(journalPath, JSON.stringify(journal, null, 2));
    const forkedBefore = folderManifest(q.migrations);
    const forked = await upgrade(q.migrations);
    expect(forked.code).toBe(1);
    expect(forked.stderr).toMatch(/meta\/\d{4}_snapshot\.json: one snapshot id \([0-9a-f-]{36}\) for 2 migrations/);
    expect(folderManifest(q.migrations)).toEqual(forkedBefore);
  });

  it("puts the folder back and exits 130 when Ctrl-C stops drizzle-kit up half-way; a second run meanwhile is refused (exit 5)", async () => {
    // A Drizzle Kit whose up converts the folder, says so, then takes its time, as a long history does.
    const p = project();
    const kit = wrappingKit(
      p,
      "slow",
      `require("node:fs").writeFileSync(require("node:path").join(__dirname, "converted"), "");
       setTimeout(() => undefined, 60_000);`,
    );
    const before = folderManifest(p.migrations);
    // What `pnpm db:upgrade-layout` runs: the package's script, from the package folder.
    const child = spawn(
      "node_modules/.bin/run-built",
      ["src/upgrade-layout.ts", "--migrations", p.migrations, "--drizzle-kit", kit],
      {
        cwd: fileURLToPath(new URL("../../db", import.meta.url)),
        stdio: ["ignore", "pipe", "pipe"],
        // Another temporary directory than the second run's: the lock is beside the folder.
        env: { ...process.env, TMPDIR: tmpdir() === "/tmp" ? "/var/tmp" : "/tmp" },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (let i = 0; i < 400 && !existsSync(join(kit, "converted")); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(p.migrations)).not.toContain("0000_lying_agent_zero.sql"); // converted, not yet checked
    const converting = folderManifest(p.migrations);
    const second = await upgrade(p.migrations, ["--drizzle-kit", kit]);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(
      new RegExp(`^error: another db:upgrade-layout \\(pid ${child.pid}\\) is converting \\S+drizzle; `, "m"),
    );
    expect(folderManifest(p.migrations)).toEqual(converting);
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain("SIGINT: stopping drizzle-kit up and putting the folder back");
    expect(stderr).toContain(
      "error: interrupted by SIGINT: drizzle-kit up was stopped; the folder is back exactly as it was",
    );
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("refuses, naming it, when the conversion's lock file cannot be made (exit 2), and touches nothing", async () => {
    const p = project();
    const lock = join(p.root, ".drizzle.upgrade-lock");
    mkdirSync(lock);
    const before = folderManifest(p.migrations);
    const run = await upgrade(p.migrations);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: the lock file of the conversion, ${lock}, cannot be made: EISDIR`);
    expect(run.stderr).toContain(`fix: remove what is at ${lock}`);
    expect(folderManifest(p.migrations)).toEqual(before);
  });

  it("leaves no copy behind in the temporary directory", async () => {
    const backups = () =>
      readdirSync(tmpdir())
        .filter((n) => n.startsWith("migrations-backup-"))
        .sort();
    const existing = backups();
    const p = project();
    expect((await upgrade(p.migrations)).code).toBe(0);
    const q = project();
    addJournalMigration(q.migrations, "twin", Date.UTC(2027, 0, 5) + 1, "SELECT 1;");
    addJournalMigration(q.migrations, "twin", Date.UTC(2027, 0, 5) + 2, "SELECT 2;");
    expect((await upgrade(q.migrations)).code).toBe(1);
    expect(backups().filter((n) => !existing.includes(n))).toEqual([]);
  });
});
