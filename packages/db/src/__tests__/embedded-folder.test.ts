/**
 * Which folder the embedded database is in, and who may make one there: `PGLITE_DATA_DIR` is read
 * from where the user typed the command (pnpm runs the script from packages/db), and only
 * db:migrate makes a database in a folder without one. A command that reads names a mistyped
 * folder (exit 4) instead of answering from a new, empty database it just made there.
 */
import { existsSync, lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectionFromEnv } from "../connection.ts";
import { runCommand } from "../testing/run-command.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function scratchFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "embedded-folder-"));
  folders.push(folder);
  return folder;
}

describe("PGLITE_DATA_DIR", () => {
  it("is read from where the user ran the command (INIT_CWD under pnpm), an absolute one as it is", () => {
    expect(connectionFromEnv({ PGLITE_DATA_DIR: "db/local", INIT_CWD: "/home/dev/project" })).toEqual({
      kind: "pglite",
      dataDir: "/home/dev/project/db/local",
    });
    expect(connectionFromEnv({ PGLITE_DATA_DIR: "/srv/pglite", INIT_CWD: "/home/dev/project" })).toEqual({
      kind: "pglite",
      dataDir: "/srv/pglite",
    });
  });
});

describe("a folder with no embedded database", () => {
  it.each([
    ["status", [] as string[]],
    ["verify", []],
    ["accept-hash", ["0000_lying_agent_zero"]],
    ["rls", []],
  ] as const)("%s names it and exits 4, and makes no database there", async (command, args) => {
    const typo = join(scratchFolder(), "pglite-typo");
    const run = await runCommand(command, [...args], { PGLITE_DATA_DIR: typo });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain(`cannot connect to ${typo}: the folder holds no embedded database`);
    expect(run.stderr).toContain(
      "correct the folder's path, or create the database there by migrating it (db:migrate)",
    );
    expect(existsSync(typo)).toBe(false);
  });
});

describe("a path that cannot be the embedded database's folder", () => {
  it.each([
    ["a file", (at: string) => writeFileSync(at, "notes")],
    ["a link to nowhere", (at: string) => symlinkSync(join(at, "..", "nowhere"), at)],
  ] as const)("%s: db:migrate names it and the fix, exits 4, and leaves it as it was", async (_what, make) => {
    const path = join(scratchFolder(), "pglite");
    make(path);
    const before = lstatSync(path);
    const run = await runCommand("migrate", [], { PGLITE_DATA_DIR: path });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain(`cannot connect to ${path}: the path cannot be the embedded database's folder`);
    expect(run.stderr).toContain("correct the folder's path to a folder you can write");
    expect(lstatSync(path).mode).toBe(before.mode);
  });
});
