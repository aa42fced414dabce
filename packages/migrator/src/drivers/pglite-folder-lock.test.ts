/**
 * The lock of an embedded database folder: one holder at a time, also when several processes
 * start at the same instant (commands started together, a test run beside a dev server), on a
 * folder with no lock and on one whose lock was left by a process that is gone.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isLockFile, LOCK_FILE, lockPgliteFolder } from "./pglite-folder-lock.ts";
import { temporaryFolders } from "./testing/pglite-test-helpers.ts";

const folder = temporaryFolders("pglite-folder-lock");

/** A pid no process has: the highest Linux allows, plus one. */
const DEAD_PID = 4_194_305;

/** A process that takes the folder's lock when told to, says whether it holds it, and holds it until its input ends. */
function contender(dataDir: string): {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  next(): Promise<string>;
} {
  const lockModule = fileURLToPath(new URL("./pglite-folder-lock.ts", import.meta.url));
  const script = `
    const { lockPgliteFolder } = await import(${JSON.stringify(lockModule)});
    process.stdin.once("data", () => {
      try {
        lockPgliteFolder(${JSON.stringify(dataDir)});
        console.log("holds");
        process.stdin.resume();
      } catch (error) {
        console.log("refused " + error.code);
        process.exit(0);
      }
    });
    console.log("ready");
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => lines.push(...chunk.toString().trim().split("\n")));
  let read = 0;
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        if (lines.length > read) {
          clearInterval(poll);
          resolve(lines[read++] ?? "");
        } else if (child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`the contender ended: ${stderr}`));
        }
      }, 5);
    });
  return { child, lines, next };
}

/** Starts `count` contenders, waits until each is ready, tells them all at once, and returns what each said. */
async function race(dataDir: string, count: number): Promise<string[]> {
  const contenders = Array.from({ length: count }, () => contender(dataDir));
  try {
    for (const c of contenders) expect(await c.next()).toBe("ready");
    for (const c of contenders) c.child.stdin.write("go\n");
    return await Promise.all(contenders.map((c) => c.next()));
  } finally {
    await Promise.all(
      contenders.map(
        (c) =>
          new Promise((resolve) => {
            if (c.child.exitCode !== null) return resolve(undefined);
            c.child.once("exit", resolve);
            c.child.stdin.end();
          }),
      ),
    );
  }
}

describe("the lock of an embedded database folder", () => {
  it.each([
    ["a folder nobody has locked", false],
    ["a folder whose lock was left by a process that is gone", true],
  ])(
    "has one holder when processes start taking it at once: %s",
    async (_, leftBehind) => {
      const dataDir = folder();
      if (leftBehind) writeFileSync(join(dataDir, LOCK_FILE), String(DEAD_PID));
      const said = await race(dataDir, 5);
      expect(said.filter((line) => line === "holds")).toHaveLength(1);
      expect(said.filter((line) => line === "refused database-busy")).toHaveLength(4);
      // The holder released it when it ended; nothing of the lock is left.
      expect(readdirSync(dataDir)).toEqual([]);
    },
    30_000,
  );

  it("takes over a lock whose process is gone, and holds it with its own pid", () => {
    const dataDir = folder();
    writeFileSync(join(dataDir, LOCK_FILE), String(DEAD_PID));
    const lock = lockPgliteFolder(dataDir);
    expect(readFileSync(join(dataDir, LOCK_FILE), "utf8")).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it("removes a takeover's own lock left by a process that died taking a lock over", () => {
    const dataDir = folder();
    writeFileSync(join(dataDir, LOCK_FILE), String(DEAD_PID));
    const breaker = join(dataDir, `${LOCK_FILE}.break`);
    writeFileSync(breaker, "");
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(breaker, aMinuteAgo, aMinuteAgo);
    const lock = lockPgliteFolder(dataDir);
    expect(readdirSync(dataDir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it("outwaits a takeover's lock just left by a process that died taking a lock over", () => {
    const dataDir = folder();
    writeFileSync(join(dataDir, LOCK_FILE), String(DEAD_PID));
    writeFileSync(join(dataDir, `${LOCK_FILE}.break`), "");
    const lock = lockPgliteFolder(dataDir);
    expect(readFileSync(join(dataDir, LOCK_FILE), "utf8")).toBe(String(process.pid));
    lock.release();
  });

  it("refuses a lock path that is a directory as an unusable folder (exit 4), not with a raw error", () => {
    const dataDir = folder();
    mkdirSync(join(dataDir, LOCK_FILE));
    expect(() => lockPgliteFolder(dataDir)).toThrow(
      expect.objectContaining({ code: "connection-failed", reason: "unusable-embedded-folder" }),
    );
  });

  it("counts the lock's files, and only those, as not the database's", () => {
    expect([LOCK_FILE, `${LOCK_FILE}.break`, `${LOCK_FILE}.123.x1`].every(isLockFile)).toBe(true);
    expect(["migrator.locksmith", "PG_VERSION", "base"].some(isLockFile)).toBe(false);
  });
});
