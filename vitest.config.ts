import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { testTmpdir } from "./packages/db/src/testing/test-tmpdir.ts";

/** The tests' temporary folder: /dev/shm where it will do (see test-tmpdir.ts). */
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
    // The server's files spend much of their time waiting on it (a lock timeout, a retry's delay, a
    // CREATE DATABASE): one worker more again keeps the CPUs busy (measured alone: 43–48 s against
    // 53–55 s). A project of its own worker count runs in a group of its own, after the others.
    ...(database === "postgres" ? { maxWorkers: availableParallelism() + 2, sequence: { groupOrder: 1 } } : {}),
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
