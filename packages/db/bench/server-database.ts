/** Throw-away databases on the test server for the benchmark: created empty or from a template, dropped after. */
import { openPostgresDriver } from "@repo/migrator";
import { TEST_SERVER_URL } from "../src/testing/test-database.ts";

/** A database the benchmark created on the test server; `drop()` removes it (ending its sessions). */
export interface ServerDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `trovella_bench_<what>_<pid>_<random>` on the test server: empty, or a copy of
 * `template` (which nothing may be connected to, as `CREATE DATABASE … TEMPLATE` requires).
 */
export async function createServerDatabase(what: string, template?: string): Promise<ServerDatabase> {
  const name = `trovella_bench_${what}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openPostgresDriver(TEST_SERVER_URL);
  try {
    await admin.exec(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`);
  } finally {
    await admin.close();
  }
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const dropper = await openPostgresDriver(TEST_SERVER_URL);
      try {
        await dropper.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.close();
      }
    },
  };
}
