import { accessSync, constants, statfsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Where the tests' temporary files go (TMPDIR, inherited by every worker and every command they
 * start): PGlite data directories, cloned histories, git repositories. When the user has not
 * chosen, a memory-backed /dev/shm with room to spare (2 GiB) instead of the disk. The work is the
 * same; an ext4 disk charged the suite about 35 s of kernel time in writes nobody reads back
 * (measured on the 2-core machine: 197 s for the whole suite, 177 s on /dev/shm). Where /dev/shm
 * is missing, read-only or small (a container's 64 MB), the system's temporary folder is used.
 */
const TMPFS_MAGIC = 0x01021994; // statfs(2)

function testTmpdir(): string | undefined {
  if (process.env["TMPDIR"]) return undefined;
  try {
    accessSync("/dev/shm", constants.W_OK);
    const { type, bavail, bsize } = statfsSync("/dev/shm");
    return type === TMPFS_MAGIC && bavail * bsize >= 2 * 1024 ** 3 ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}

const tmp = testTmpdir();
if (tmp) process.env["TMPDIR"] = tmp;

/**
 * Three projects: `unit` (no database), and the same database tests (`*.db.test.ts`) once on the
 * embedded PGlite and once on the PostgreSQL server (TEST_DATABASE_URL, default port 5433).
 * `*.server.test.ts` need what only a server has (several connections, other processes) and run
 * in the server project alone. `pnpm test` runs all three; `pnpm test:embedded` needs no server.
 */
const databaseProject = (database: "pglite" | "postgres") => ({
  test: {
    name: database,
    include: [
      "packages/*/src/**/*.db.test.ts",
      ...(database === "postgres" ? ["packages/*/src/**/*.server.test.ts"] : []),
    ],
    env: {
      TEST_DATABASE: database,
      TEST_DATABASE_URL: process.env["TEST_DATABASE_URL"] ?? "postgres://trovella:trovella_dev@127.0.0.1:5433/trovella",
    },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Test files share their worker's modules: PGlite's and the parser's WebAssembly, Drizzle Kit
    // and the template factories load once per worker, not once per file. Module state and
    // process.pid are shared too: a test must not assume a fresh process (each opens its own database).
    isolate: false,
  },
});

export default defineConfig({
  test: {
    // One worker more than cores (vitest's default is one fewer): database test files spend much
    // of their time waiting on the server (CREATE/DROP DATABASE), so a spare worker keeps the CPUs
    // busy (`.ci/run` prints how long the suite took).
    maxWorkers: availableParallelism() + 1,
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          exclude: ["**/*.db.test.ts", "**/*.server.test.ts", "**/node_modules/**"],
          testTimeout: 30_000,
          isolate: false, // as the database projects: modules load once per worker
        },
      },
      databaseProject("pglite"),
      databaseProject("postgres"),
    ],
  },
});
