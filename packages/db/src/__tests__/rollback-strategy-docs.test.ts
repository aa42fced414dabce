/**
 * docs/rollback-strategy.md is true of the repository as it is: every console block of
 * `$ pnpm db:revert …` commands is run, command by command, on a fresh copy of the whole
 * migrations history, from the repository root as the page says, and must print exactly the lines
 * it shows (a line `… (N more lines like these)` stands for N printed lines) and exit 1 exactly
 * when it shows a refusal. Each SQL block the page introduces by a migration file's path must be
 * that file, as the commands of the block before it wrote it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { revertCommand } from "@repo/migrator";
import { runCaptured } from "@repo/migrator/testing";
import { trovella } from "../project.ts";
import { type ScratchMigrations, scratchMigrations } from "../testing/scratch-migrations.ts";

const PAGE = fileURLToPath(new URL("../../../../docs/rollback-strategy.md", import.meta.url));
const REPOSITORY_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
/** How the page writes the migrations folder: relative to the repository root. */
const SHOWN_FOLDER = "packages/db/src/migrations";
const COMMAND = "$ pnpm db:revert";
const ELIDED = /^\s*… \((\d+) more lines like these\)$/;

interface Block {
  language: string;
  lines: string[];
  /** The last non-blank line above the block. */
  introduction: string;
}

/** The page's fenced blocks, in page order. */
function blocks(page: string): Block[] {
  const lines = page.split("\n");
  const found: Block[] = [];
  for (let open = 0; open < lines.length; open++) {
    const fence = /^```(\w*)$/.exec(lines[open] ?? "");
    if (!fence) continue;
    const close = lines.findIndex((line, i) => i > open && line === "```");
    const introduction = lines
      .slice(0, open)
      .reverse()
      .find((line) => line.trim() !== "");
    found.push({ language: fence[1] ?? "", lines: lines.slice(open + 1, close), introduction: introduction ?? "" });
    open = close;
  }
  return found;
}

/** A console block's commands: the arguments after `pnpm db:revert` and the lines shown below each. */
function commands(block: Block): { args: string[]; shown: string[] }[] {
  const found: { args: string[]; shown: string[] }[] = [];
  for (const line of block.lines) {
    if (line.startsWith(COMMAND)) found.push({ args: line.slice(COMMAND.length).trim().split(/\s+/), shown: [] });
    else found.at(-1)?.shown.push(line);
  }
  return found;
}

/** Expects `printed` to be the `shown` lines, where a shown `… (N more lines like these)` stands for N printed lines. */
function expectShown(shown: string[], printed: string[]): void {
  const gap = shown.findIndex((line) => ELIDED.test(line));
  if (gap < 0) {
    expect(printed).toEqual(shown);
    return;
  }
  const elided = Number(ELIDED.exec(shown[gap] ?? "")?.[1]);
  expect(printed.slice(0, gap)).toEqual(shown.slice(0, gap));
  expect(printed.slice(gap + elided)).toEqual(shown.slice(gap + 1));
  expect(printed).toHaveLength(shown.length - 1 + elided);
}

let scratch: ScratchMigrations | undefined;
afterEach(() => {
  scratch?.remove();
  scratch = undefined;
});

describe("the Rollback Strategy page", () => {
  it("shows what db:revert prints and writes on the repository's history, from its root", async () => {
    const run: string[] = [];
    const filesShown: string[] = [];
    for (const block of blocks(readFileSync(PAGE, "utf8"))) {
      if (block.language === "" && block.lines[0]?.startsWith(COMMAND)) {
        scratch?.remove();
        scratch = scratchMigrations();
        for (const { args, shown } of commands(block)) {
          const result = await runCaptured(revertCommand(trovella), [...args, "--migrations", scratch.dir], {
            env: process.env,
            cwd: REPOSITORY_ROOT,
          });
          const printed = (result.stdout + result.stderr).split(scratch.dir).join(SHOWN_FOLDER).trimEnd().split("\n");
          expectShown(shown, printed);
          expect(result.code, `db:revert ${args.join(" ")}`).toBe(shown[0]?.startsWith("error:") ? 1 : 0);
          run.push(args.join(" "));
        }
      }
      const file = new RegExp(`\`${SHOWN_FOLDER}/([^\`/]+\\.sql)\``).exec(block.introduction)?.[1];
      if (block.language === "sql" && file) {
        if (!scratch) throw new Error(`${file} is shown before any db:revert command`);
        expect(block.lines.join("\n")).toBe(readFileSync(join(scratch.dir, file), "utf8").trimEnd());
        filesShown.push(file);
      }
    }
    // What the page shows: the revert of 0010's policies, the worked example, the refusal of 0009
    // and its unwinding, the refusal of 0004.
    expect(run).toEqual(["0010", "0008", "0009", "0017", "0009", "0004"]);
    expect(filesShown).toEqual([
      "0018_revert_0010_user-organization-select-policies.sql",
      "0018_revert_0008_add-correlation-id-and-embedding-count.sql",
      "0019_revert_0009_add-document-chunk-table.sql",
    ]);
  });
});
