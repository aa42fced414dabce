import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * `run-built` on a throwaway project: an entry, modules beside it, a workspace package linked into
 * node_modules, and an installed package laid out as pnpm lays it out (its folder under
 * node_modules/.pnpm, a link to it, an install record), where the bundle cache goes too.
 */
const RUN_BUILT = fileURLToPath(new URL("../../bin/run-built.mjs", import.meta.url));
const BUILDER = fileURLToPath(new URL("./command-bundle.ts", import.meta.url));

let project: string;
const file = (name: string) => join(project, name);

function write(name: string, text: string): void {
  mkdirSync(dirname(file(name)), { recursive: true });
  writeFileSync(file(name), text);
}

/** Installs version `version` of fake-pkg as pnpm does: the old version's folder stays behind. */
function installFakePackage(version: string, value: string): void {
  const dir = `node_modules/.pnpm/fake-pkg@${version}/node_modules/fake-pkg`;
  write(`${dir}/package.json`, JSON.stringify({ name: "fake-pkg", version, main: "index.js" }));
  write(`${dir}/index.js`, `module.exports = { value: ${JSON.stringify(value)} };\n`);
  rmSync(file("node_modules/fake-pkg"), { force: true });
  symlinkSync(file(dir), file("node_modules/fake-pkg"));
  write("node_modules/.modules.yaml", `fake-pkg: ${version}\n`);
}

const cacheDir = () => join(project, "node_modules", ".cache", "@repo", "migrator", "commands");

/** The bundles in the project's cache. */
const bundles = () => readdirSync(cacheDir()).filter((name) => name.endsWith(".mjs"));

function runBuilt(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runBuiltWith({}, ...args);
}

function runBuiltWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUN_BUILT, ...args], { cwd: project, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the entry reports: its argv, where its modules think they live, values from its imports. */
interface Report {
  code: number | null;
  argv: string[];
  greeting: string;
  where: string;
  entry: string;
  value: string;
  shared: string;
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
      'import { shared } from "@acme/shared";',
      "const value: string = pkg.value;",
      "console.log(JSON.stringify({ argv: process.argv.slice(1), greeting, where, value, shared,",
      "  entry: fileURLToPath(import.meta.url) }));",
      "process.exitCode = 7;",
      "",
    ].join("\n"),
  );
  write(
    "src/lib/greeting.ts",
    'export const greeting: string = "hello";\nexport const where = new URL(".", import.meta.url).pathname;\n',
  );
  // A workspace package of another scope, linked into node_modules as a package manager links it.
  write("shared/package.json", JSON.stringify({ name: "@acme/shared", type: "module", exports: "./index.ts" }));
  write("shared/index.ts", 'export const shared: string = "shared source";\n');
  mkdirSync(file("node_modules/@acme"), { recursive: true });
  symlinkSync(file("shared"), file("node_modules/@acme/shared"));
  installFakePackage("1.0.0", "one");
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

describe("run-built runs the entry as if it were run directly", () => {
  it("with its arguments, its exit code, each module's own import.meta.url, workspace packages bundled", async () => {
    expect(await report("--flag", "value")).toEqual({
      code: 7,
      argv: [file("src/entry.ts"), "--flag", "value"],
      greeting: "hello",
      where: `${file("src/lib")}/`,
      entry: file("src/entry.ts"),
      value: "one",
      shared: "shared source",
    });
  });

  it("leaves import.meta in strings alone; import.meta as a value is the source's; import.meta.resolve names the file", async () => {
    write(
      "src/meta.ts",
      [
        "const meta = import.meta;",
        'const text = "use import.meta.url to find files";',
        "let resolveError = '';",
        "try { import.meta.resolve('./x.ts'); } catch (error) { resolveError = (error as Error).message; }",
        "console.log(JSON.stringify({ url: meta.url, text, resolveError }));",
        "",
      ].join("\n"),
    );
    const run = await runBuilt("src/meta.ts");
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      url: `file://${file("src/meta.ts")}`,
      text: "use import.meta.url to find files",
      resolveError: `import.meta.resolve is not available in a run-built bundle (${file("src/meta.ts")})`,
    });
  });

  it("keeps an entry's shebang line first, and runs a file that is nothing but one", async () => {
    write("src/script.ts", "#!/usr/bin/env node\nconsole.log(new URL(import.meta.url).pathname);\n");
    write("src/bare.ts", "#!/usr/bin/env node");
    expect(await runBuilt("src/script.ts")).toMatchObject({ code: 0, stdout: `${file("src/script.ts")}\n` });
    expect(await runBuilt("src/bare.ts")).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("names the source file and line in a crash's stack trace, not the bundle", async () => {
    write("src/crash.ts", 'import { explode } from "./lib/explode.ts";\nexplode();\n');
    write("src/lib/explode.ts", "export function explode(): never {\n  // line 2\n  throw new Error('boom');\n}\n");
    // Both the run that builds (tsx is loaded then) and one from the kept bundle.
    for (const run of [await runBuilt("src/crash.ts"), await runBuilt("src/crash.ts")]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file("src/lib/explode.ts")}:3:9`);
      expect(run.stderr).not.toContain(".cache");
    }
  });

  it("keeps every bundle in $RUN_BUILT_CACHE when set, the bundler's own among them (later builds need no TypeScript loader)", async () => {
    const cache = file("elsewhere");
    const run = await runBuiltWith({ RUN_BUILT_CACHE: cache }, "src/entry.ts");
    expect(run.stderr).toBe("");
    const manifests = readdirSync(cache).filter((name) => name.endsWith(".mjs.json"));
    const entries = manifests.map(
      (name) => (JSON.parse(readFileSync(join(cache, name), "utf8")) as { entry: string }).entry,
    );
    expect(entries.sort()).toEqual([file("src/entry.ts"), BUILDER].sort());
    expect(existsSync(cacheDir())).toBe(false);
  });

  it("tells the code which source files it runs, by the hashes of the bytes it was built from, when built and when reused", async () => {
    const greeting = file("src/lib/greeting.ts");
    const built = createHash("sha256").update(readFileSync(greeting)).digest("hex");
    // The entry saves a new greeting.ts while it runs, then asks what it runs.
    write(
      "src/entry.ts",
      [
        'import { writeFileSync } from "node:fs";',
        'import { greeting } from "./lib/greeting.ts";',
        `writeFileSync(${JSON.stringify(greeting)}, 'export const greeting: string = "saved during the run";\\n');`,
        'const announced = (globalThis as Record<symbol, { files: Record<string, string> }>)[Symbol.for("@repo/migrator/run-built")];',
        `console.log(JSON.stringify({ greeting, hash: announced?.files[${JSON.stringify(greeting)}] }));`,
        "",
      ].join("\n"),
    );
    const building = await runBuilt("src/entry.ts");
    expect(JSON.parse(building.stdout)).toEqual({ greeting: "hello", hash: built });
    // Built again (greeting.ts changed): the new bytes are announced; run again with nothing changed, the same.
    const saved = createHash("sha256").update(readFileSync(greeting)).digest("hex");
    const rebuilt = await runBuilt("src/entry.ts");
    expect(JSON.parse(rebuilt.stdout)).toEqual({ greeting: "saved during the run", hash: saved });
    const reused = await runBuilt("src/entry.ts");
    expect(JSON.parse(reused.stdout)).toEqual({ greeting: "saved during the run", hash: saved });
  });

  it("runs the bundle it built while nothing changed", async () => {
    await report();
    const [built] = bundles();
    const before = statSync(join(cacheDir(), built ?? ""));
    await report();
    expect(bundles()).toEqual([built]);
    const after = statSync(join(cacheDir(), built ?? ""));
    expect([after.mtimeMs, after.ino]).toEqual([before.mtimeMs, before.ino]);
  });
});

describe("run-built never runs a bundle older than what is on disk", () => {
  it("an edit that kept the file's size and modification time", async () => {
    await report();
    const source = file("src/lib/greeting.ts");
    const before = statSync(source);
    writeFileSync(source, readFileSync(source, "utf8").replace('"hello"', '"HELLO"'));
    utimesSync(source, before.atime, before.mtime);
    expect(statSync(source).size).toBe(before.size);

    expect((await report()).greeting).toBe("HELLO");
  });

  it("a file saved while a run was building: the next run builds again", async () => {
    // A large module read after greeting.ts keeps the build busy for a while after it.
    const big = Array.from({ length: 40_000 }, (_, n) => `export const value${n}: number = ${n};`).join("\n");
    write("src/lib/big.ts", `${big}\n`);
    write(
      "src/slow.ts",
      'import { greeting } from "./lib/greeting.ts";\nimport * as big from "./lib/big.ts";\nconsole.log(greeting, Object.keys(big).length);\n',
    );
    const source = file("src/lib/greeting.ts");
    // Each attempt saves greeting.ts later into the build, until one save lands where it matters:
    // after the build read the file (its bundle greets with the old text) and before it wrote the
    // manifest (a later tick of the file clock: one tick is a few ms, so equal times prove nothing).
    // Every attempt's next run must greet with the new text. Later attempts are for a busy machine.
    let caught = false;
    for (const [attempt, delayMs] of [150, 250, 350, 450, 550, 800, 1100, 1500, 2000].entries()) {
      rmSync(cacheDir(), { recursive: true, force: true });
      const building = runBuilt("src/slow.ts");
      await sleep(delayMs);
      writeFileSync(source, `export const greeting: string = "saved ${attempt}";\nexport const where = "";\n`);
      const savedAt = statSync(source).mtimeMs;
      const built = await building;
      const manifestAt = statSync(join(cacheDir(), `${bundles()[0]}.json`)).mtimeMs;
      expect((await runBuilt("src/slow.ts")).stdout).toBe(`saved ${attempt} 40000\n`);
      caught = built.stdout !== `saved ${attempt} 40000\n` && manifestAt > savedAt;
      if (caught) break;
    }
    expect(caught, "no save landed between the build's read of greeting.ts and its manifest").toBe(true);
  });

  it("an upgrade of an installed package, the old version's folder still there", async () => {
    await report();
    installFakePackage("2.0.0", "two");
    expect(statSync(file("node_modules/.pnpm/fake-pkg@1.0.0/node_modules/fake-pkg/index.js")).isFile()).toBe(true);

    expect((await report()).value).toBe("two");
  });

  it("an installed file the bundle imports that is gone", async () => {
    await report();
    rmSync(file("node_modules/.pnpm"), { recursive: true });
    rmSync(file("node_modules/fake-pkg"));
    write("node_modules/fake-pkg/package.json", JSON.stringify({ name: "fake-pkg", main: "lib/main.js" }));
    write("node_modules/fake-pkg/lib/main.js", 'module.exports = { value: "moved" };\n');

    expect((await report()).value).toBe("moved");
  });

  it("a change to tsconfig.json, which decides how the sources compile", async () => {
    write("tsconfig.json", JSON.stringify({ compilerOptions: { useDefineForClassFields: true } }));
    write(
      "src/fields.ts",
      "class Base { constructor() { (this as any).field = 'set by base'; } }\n" +
        "class Child extends Base { field?: string; }\nconsole.log(new Child().field ?? 'undefined');\n",
    );
    expect((await runBuilt("src/fields.ts")).stdout).toBe("undefined\n");
    write("tsconfig.json", JSON.stringify({ compilerOptions: { useDefineForClassFields: false } }));
    expect((await runBuilt("src/fields.ts")).stdout).toBe("set by base\n");
  });

  it("a new file in a folder an import reads: a template import() finds it", async () => {
    write("src/plugins/alpha.ts", 'export const name = "alpha";\n');
    write(
      "src/plugins.ts",
      "const wanted = process.argv[2] ?? 'alpha';\n" +
        "const plugin = await import(`./plugins/${wanted}.ts`);\nconsole.log(plugin.name);\n",
    );
    expect((await runBuilt("src/plugins.ts", "alpha")).stdout).toBe("alpha\n");
    write("src/plugins/beta.ts", 'export const name = "beta";\n');
    const run = await runBuilt("src/plugins.ts", "beta");
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("beta\n");
  });

  it("a damaged manifest, or one of another layout", async () => {
    await report();
    const [built] = bundles();
    writeFileSync(join(cacheDir(), `${built}.json`), "{ not json");
    writeFileSync(file("src/lib/greeting.ts"), 'export const greeting = "again";\nexport const where = "";\n');
    expect((await report()).greeting).toBe("again");

    writeFileSync(join(cacheDir(), `${built}.json`), JSON.stringify({ entry: file("src/entry.ts"), files: {} }));
    writeFileSync(file("src/lib/greeting.ts"), 'export const greeting = "once more";\nexport const where = "";\n');
    expect((await report()).greeting).toBe("once more");
  });

  it("several first runs at once each run the entry, and leave no partial file", async () => {
    const runs = await Promise.all([1, 2, 3, 4].map((n) => runBuilt("src/entry.ts", String(n))));
    for (const [index, run] of runs.entries()) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(7);
      expect((JSON.parse(run.stdout) as { argv: string[] }).argv).toEqual([file("src/entry.ts"), String(index + 1)]);
    }
    expect(readdirSync(cacheDir()).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("removes the bundles of entries that are gone when it builds", async () => {
    write("src/once.ts", "console.log('once');\n");
    expect((await runBuilt("src/once.ts")).stdout).toBe("once\n");
    rmSync(file("src/once.ts"));
    await report();
    expect(bundles().map((name) => name.replace(/-\w+\.mjs$/, ""))).toEqual(["entry"]);
  });
});

describe("run-built refuses what it cannot run, and runs what it cannot keep", () => {
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

  it("runs the entry from its sources, with a warning, where the bundle cannot be written", async () => {
    writeFileSync(file("node_modules/.cache"), "a file where the cache folder would go");
    const run = await runBuilt("src/entry.ts", "--flag");
    expect(run.stderr).toMatch(
      /^warning: run-built cannot write \S+: ENOTDIR: running \S+src\/entry\.ts through tsx\n$/,
    );
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stdout)).toMatchObject({ argv: [file("src/entry.ts"), "--flag"], greeting: "hello" });
  });

  it("names an entry that is not a file (a typo, a folder), and exits 2 before building anything", async () => {
    for (const entry of ["src/entyr.ts", "src"]) {
      const run = await runBuilt(entry);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: run-built: ${file(entry)} is not a file\nfix: name the command's TypeScript entry, relative to ${project}\nusage: run-built <entry.ts> [arguments…]\n`,
      );
    }
    expect(existsSync(cacheDir())).toBe(false);
  });

  it("without an entry (or with an option where the entry goes), prints its usage and exits 2", async () => {
    for (const args of [[], ["--help"]]) {
      const run = await runBuilt(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe("usage: run-built <entry.ts> [arguments…]\n");
    }
  });
});
