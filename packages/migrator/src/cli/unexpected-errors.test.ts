/**
 * What a command prints when something other than the toolkit's own errors is thrown: not
 * everything thrown is an `Error` (PGlite's Emscripten runtime throws plain objects, a callback
 * may throw a string), and the user must still read what it was, never `[object Object]`.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing/run-captured.ts";
import { migrateCommand } from "./migrate-command.ts";

/** A real history (fixtures/histories/README.md): the folder is read before the database is opened. */
const migrationsFolder = fileURLToPath(
  new URL("../../fixtures/histories/thor-coding-cowboys__scorebrawl", import.meta.url),
);

/** db:migrate on a project whose database fails to open with `thrown`. */
const migrateFailingWith = (thrown: unknown, argv: string[] = []) =>
  runCaptured(migrateCommand({ migrationsFolder, openDriver: () => Promise.reject(thrown) }), argv, { env: {} });

describe("an unexpected failure is printed as what it was, with exit 1", () => {
  it("an object with a message, as Emscripten's ExitStatus: its message", async () => {
    const run = await migrateFailingWith({ name: "ExitStatus", message: "Program terminated with exit(1)", status: 1 });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("error: Program terminated with exit(1)\n");
  });

  it("an object without one: its fields", async () => {
    const run = await migrateFailingWith({ name: "ExitStatus", status: 7 });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("error: { name: 'ExitStatus', status: 7 }\n");
  });

  it("a string, and the same as JSON with --json", async () => {
    const run = await migrateFailingWith("the data directory is locked", ["--json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      error: { code: "unexpected", message: "the data directory is locked" },
    });
  });
});
