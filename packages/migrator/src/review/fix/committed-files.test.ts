/**
 * `db:review --fix` rewrites only migrations git has never committed: the committed files must be
 * known by their names as the folder has them, whatever characters those hold.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { committedFiles } from "./committed-files.ts";

const root = mkdtempSync(join(tmpdir(), "committed-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("committedFiles", () => {
  it("names a committed migration with non-ASCII letters or a space as it is (git quotes such names unless asked not to)", () => {
    const git = (...args: string[]) => execFileSync("git", ["-C", root, ...args], { stdio: "pipe" });
    git("init", "-q");
    const folder = join(root, "migrations");
    mkdirSync(join(folder, "meta"), { recursive: true });
    const names = ["0000_ajout-index-café.sql", "0001_two words.sql", "0002_plain.sql", "meta/_journal.json"];
    for (const name of names) writeFileSync(join(folder, name), "SELECT 1;\n");
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "history");
    writeFileSync(join(folder, "0003_new-é.sql"), "SELECT 1;\n");
    expect([...committedFiles(folder)].sort()).toEqual([...names].sort());
  });
});
