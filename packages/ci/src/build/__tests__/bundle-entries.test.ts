import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleEntries, findBuildEntries } from "../bundle-entries.ts";

/** The build check on a throwaway workspace: one package that loads, one that throws on import. */
let root: string;

function write(file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bundle-entries-"));
  const manifest = (name: string) =>
    JSON.stringify({
      name,
      type: "module",
      exports: { ".": "./src/index.ts" },
      scripts: { go: "tsx src/go.ts --json" },
    });
  write("packages/good/package.json", manifest("@repo/good"));
  write("packages/good/src/index.ts", 'import { twice } from "./twice.ts";\nexport const four: number = twice(2);\n');
  write("packages/good/src/twice.ts", "export const twice = (n: number): number => n * 2;\n");
  write("packages/good/src/go.ts", 'import { four } from "./index.ts";\nconsole.log(four);\n');
  write("packages/bad/package.json", manifest("@repo/bad"));
  write("packages/bad/src/index.ts", 'throw new Error("boom at import");\n');
  write("packages/bad/src/go.ts", 'import { missing } from "./missing.ts";\nconsole.log(missing);\n');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the build check", () => {
  it("finds each package's exports and the files its scripts run with tsx", () => {
    expect(findBuildEntries(root)).toEqual([
      { packageDir: "packages/bad", source: "packages/bad/src/index.ts", kind: "export" },
      { packageDir: "packages/bad", source: "packages/bad/src/go.ts", kind: "command" },
      { packageDir: "packages/good", source: "packages/good/src/index.ts", kind: "export" },
      { packageDir: "packages/good", source: "packages/good/src/go.ts", kind: "command" },
    ]);
  });

  it("passes entries that bundle and load, and names the ones that do not and why", async () => {
    const results = await bundleEntries(root, findBuildEntries(root));
    const outcome = Object.fromEntries(results.map((result) => [result.entry.source, result.error ?? "ok"]));

    expect(outcome["packages/good/src/index.ts"]).toBe("ok");
    expect(outcome["packages/good/src/go.ts"]).toBe("ok");
    expect(outcome["packages/bad/src/index.ts"]).toBe("does not load on plain Node: Error: boom at import");
    expect(outcome["packages/bad/src/go.ts"]).toMatch(/Could not resolve "\.\/missing\.ts"/);
  });
});
