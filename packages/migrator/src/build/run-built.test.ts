import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * `run-built` on a throwaway project: an entry, a module beside it, and an npm package in the
 * project's own node_modules (where the bundle cache goes too).
 */
const RUN_BUILT = fileURLToPath(new URL("../../bin/run-built.mjs", import.meta.url));

let project: string;
const file = (name: string) => join(project, name);

function write(name: string, text: string): void {
  mkdirSync(dirname(file(name)), { recursive: true });
  writeFileSync(file(name), text);
}

/** The one bundle in the project's cache. */
function bundleFile(): string {
  const dir = join(project, "node_modules", ".cache", "@repo", "migrator", "commands");
  const bundles = readdirSync(dir).filter((name) => name.endsWith(".mjs"));
  expect(bundles).toHaveLength(1);
  return join(dir, bundles[0] ?? "");
}

function runBuilt(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUN_BUILT, ...args], { cwd: project });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the entry reports: its argv, where its modules think they live, and values from its imports. */
interface Report {
  code: number | null;
  argv: string[];
  greeting: string;
  where: string;
  entry: string;
  value: string;
}

async function report(...args: string[]): Promise<Report> {
  const run = await runBuilt("src/entry.ts", ...args);
  expect(run.stderr).toBe("");
  return { code: run.code, ...(JSON.parse(run.stdout) as Omit<Report, "code">) };
}

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "run-built-"));
  write(
    "src/entry.ts",
    [
      'import { fileURLToPath } from "node:url";',
      'import { greeting, where } from "./lib/greeting.ts";',
      'import pkg from "fake-pkg";',
      "const value: string = pkg.value;",
      "console.log(JSON.stringify({ argv: process.argv.slice(1), greeting, where, value,",
      "  entry: fileURLToPath(import.meta.url) }));",
      "process.exitCode = 7;",
      "",
    ].join("\n"),
  );
  write(
    "src/lib/greeting.ts",
    'export const greeting: string = "hello";\nexport const where = new URL(".", import.meta.url).pathname;\n',
  );
  write("node_modules/fake-pkg/package.json", JSON.stringify({ name: "fake-pkg", main: "index.js" }));
  write("node_modules/fake-pkg/index.js", 'module.exports = { value: "one" };\n');
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

describe("run-built", () => {
  it("runs the entry as if run directly: its arguments, its exit code, each module's own import.meta.url", async () => {
    expect(await report("--flag", "value")).toEqual({
      code: 7,
      argv: [file("src/entry.ts"), "--flag", "value"],
      greeting: "hello",
      where: `${file("src/lib")}/`,
      entry: file("src/entry.ts"),
      value: "one",
    });
  });

  it("runs the bundle it built while nothing changed", async () => {
    await report();
    const built = statSync(bundleFile());
    await report();
    expect(statSync(bundleFile()).mtimeMs).toBe(built.mtimeMs);
    expect(statSync(bundleFile()).ino).toBe(built.ino);
  });

  it("runs a source as it is now, even when the edit kept its size and its modification time", async () => {
    await report();
    const source = file("src/lib/greeting.ts");
    const before = statSync(source);
    writeFileSync(source, readFileSync(source, "utf8").replace('"hello"', '"HELLO"'));
    utimesSync(source, before.atime, before.mtime);
    expect(statSync(source).size).toBe(before.size);

    expect((await report()).greeting).toBe("HELLO");
  });

  it("builds again when an npm file the bundle imports is gone (a reinstall moved the package)", async () => {
    await report();
    rmSync(file("node_modules/fake-pkg"), { recursive: true });
    write("node_modules/fake-pkg/package.json", JSON.stringify({ name: "fake-pkg", main: "lib/main.js" }));
    write("node_modules/fake-pkg/lib/main.js", 'module.exports = { value: "two" };\n');

    expect((await report()).value).toBe("two");
  });

  it("builds again over a damaged manifest", async () => {
    await report();
    writeFileSync(`${bundleFile()}.json`, "{ not json");
    writeFileSync(file("src/lib/greeting.ts"), 'export const greeting = "again";\nexport const where = "";\n');

    expect((await report()).greeting).toBe("again");
  });

  it("names the file and line of a source that does not build, exits 1, and runs once it is fixed", async () => {
    await report();
    writeFileSync(file("src/lib/greeting.ts"), 'export const greeting: string = "hello";\nexport const = 1;\n');
    const broken = await runBuilt("src/entry.ts");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toContain(`error: ${file("src/entry.ts")} does not build:`);
    expect(broken.stderr).toMatch(/src\/lib\/greeting\.ts:2:\d+: /);
    expect(broken.stderr).toContain("fix: fix the source at the place named");

    write("src/lib/greeting.ts", 'export const greeting = "fixed";\nexport const where = "";\n');
    expect((await report()).greeting).toBe("fixed");
  });

  it("several first runs at once each run the entry (each builds, the last rename wins whole)", async () => {
    const runs = await Promise.all([1, 2, 3, 4].map((n) => runBuilt("src/entry.ts", String(n))));
    for (const [index, run] of runs.entries()) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(7);
      expect((JSON.parse(run.stdout) as { argv: string[] }).argv).toEqual([file("src/entry.ts"), String(index + 1)]);
    }
    expect(readdirSync(dirname(bundleFile())).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("runs the entry from its sources, with a warning, where the bundle cannot be written", async () => {
    writeFileSync(file("node_modules/.cache"), "a file where the cache folder would go");
    const run = await runBuilt("src/entry.ts", "--flag");
    expect(run.stderr).toMatch(
      /^warning: run-built cannot write \S+ \(ENOTDIR\): running \S+src\/entry\.ts through tsx\n$/,
    );
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stdout)).toMatchObject({ argv: [file("src/entry.ts"), "--flag"], greeting: "hello" });
  });

  it("without an entry, prints its usage and exits 2", async () => {
    const run = await runBuilt();
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("usage: run-built <entry.ts> [arguments…]\n");
  });
});
