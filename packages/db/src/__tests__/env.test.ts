import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvFileIfPresent } from "../env.ts";

const NAMES = ["TROVELLA_ENV_TEST_SET", "TROVELLA_ENV_TEST_NEW", "TROVELLA_ENV_TEST_QUOTED"];
const folders: string[] = [];

afterEach(() => {
  for (const name of NAMES) delete process.env[name];
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function envFile(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), "env-file-"));
  folders.push(folder);
  writeFileSync(join(folder, ".env"), text);
  return join(folder, ".env");
}

describe("the root .env", () => {
  it("adds what the environment lacks and never overrides what it sets (a deploy's DATABASE_URL wins)", () => {
    process.env["TROVELLA_ENV_TEST_SET"] = "from the environment";
    loadEnvFileIfPresent(
      envFile(
        'TROVELLA_ENV_TEST_SET=from the file\n# a comment\nTROVELLA_ENV_TEST_NEW=new\nTROVELLA_ENV_TEST_QUOTED="a # b"\n',
      ),
    );
    expect(process.env["TROVELLA_ENV_TEST_SET"]).toBe("from the environment");
    expect(process.env["TROVELLA_ENV_TEST_NEW"]).toBe("new");
    expect(process.env["TROVELLA_ENV_TEST_QUOTED"]).toBe("a # b");
  });

  it("warns, naming the file, and goes on when the .env cannot be read (a folder by that name)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "env-file-"));
    folders.push(folder);
    mkdirSync(join(folder, ".env"));
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on("warning", listener);
    try {
      expect(() => loadEnvFileIfPresent(join(folder, ".env"))).not.toThrow();
      // A process warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    expect(warnings.map((w) => [(w as NodeJS.ErrnoException).code, w.message])).toEqual([
      [
        "ENV_FILE_UNREADABLE",
        `${join(folder, ".env")} was not loaded (it is not a file): its variables are not set; fix or remove the file`,
      ],
    ]);
  });

  it("is optional: a checkout without one loads nothing and does not fail", () => {
    const folder = mkdtempSync(join(tmpdir(), "env-file-"));
    folders.push(folder);
    expect(() => loadEnvFileIfPresent(join(folder, ".env"))).not.toThrow();
    expect(process.env["TROVELLA_ENV_TEST_NEW"]).toBeUndefined();
  });
});
